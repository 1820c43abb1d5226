// Package filter is the SQL-like filter language of MLflow's searches,
// as cairn reads it for runs (track) and for experiments, registered
// models and model versions (internal/mlflowapi): the lexer, the parser,
// the parsed tree and the ORDER BY clause. Which columns exist is the
// caller's: a [Columns] resolves each name a filter writes.
//
// # Grammar
//
// It is MLflow's search grammar with OR and parentheses added. Keywords
// are case-insensitive; AND binds tighter than OR, so "a OR b AND c" is
// "a OR (b AND c)".
//
//	filter     = [ or ]
//	or         = and { "OR" and }
//	and        = term { "AND" term }
//	term       = "(" or ")" | comparison
//	comparison = column op value
//	           | column ["NOT"] ("LIKE" | "ILIKE") string
//	           | column ["NOT"] "IN" "(" string { "," string } ")"
//	op         = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//	column     = name | prefix "." key
//	key        = name | "`" any "`" | '"' any '"'
//	value      = number | string
//	string     = "'" any "'" | '"' any '"'
//	order      = column [ "ASC" | "DESC" ]
//
// A name is a letter or "_" followed by letters, digits and "_.-/", so
// tags.mlflow.source.name is the prefix tags and the key
// mlflow.source.name; a key that is not a name (spaces, quotes) is
// written in backticks right after the dot: metrics.`f1 score`. Inside
// any quotes a doubled quote stands for itself ('it”s'). A number is
// what strconv.ParseFloat reads of digits, dots, a sign and an exponent
// (-.5, 1e-3); infinities and NaN are not numbers here. Parentheses nest
// at most [MaxDepth] deep. The input must be valid UTF-8.
//
// # Columns
//
// [Columns.Resolve] turns what a filter names (a prefix and a key, or a
// bare name) into the caller's column type C and says whether it holds
// numbers or strings: track knows metrics.<key>, params.<key>,
// tags.<key>, attributes.<name> and datasets.<field>; the entity searches
// know their attributes by bare name and tags.<key>. A Number column
// takes =, !=, <, <=, >, >= and a number; a String column every operator
// and quoted strings. C is comparable, so planners compare columns with
// == and key maps by them, and its String writes it back as the filter
// names it ([QuoteKey] writes keys).
//
// # Trees
//
// [Parse] returns a [Node]: an [*And] or [*Or] of terms (never directly
// nested in one of its own kind), or a [*Comparison] of a column with a
// number (Num), a string or pattern (Str) or a list (List, for IN). The
// empty filter is a nil Node. A Node's String is a filter that parses
// back to the same tree. [Eval] evaluates a tree given how each
// comparison fares; [Comparison.MatchNumber] and
// [Comparison.MatchString] hold the operators' meaning (IEEE-754 numbers,
// strings byte by byte, LIKE's % and _ with no escape, ILIKE folding
// case). What a record lacks is the caller's to decide: cairn's searches,
// like MLflow's SQL stores, match no comparison on a missing column,
// != and NOT IN included. [ParseOrder] reads one ORDER BY key into an
// [Order].
//
// # Errors
//
// A filter that does not lex or parse, or names a column that Resolve
// refuses, is a *perr.ParseError: Column is where the problem starts
// (in characters, from 1; one past the end for a filter cut short), Err
// says what was expected there and what was found, quoting at most
// perr.MaxQuote bytes of the input, and wraps [Columns.Err] (track's
// ErrBadQuery). Nothing panics, whatever the input.
//
// The functions hold no state and are safe for concurrent use. Each
// Parse returns a new tree, which the package never changes afterwards.
package filter
