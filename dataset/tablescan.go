package dataset

import (
	"bytes"
	"fmt"
)

// scanner splits CSV input held in memory into records of fields. The
// fields point into the input (or, for a quoted field with doubled
// quotes, into a fresh copy) and are valid until the next call.
type scanner struct {
	b       []byte
	i       int
	comma   byte
	line    int // line of the position i
	recLine int // line where the last record began
	fields  [][]byte
}

// next returns the next record, or nil at the end of the input. Blank
// lines are skipped.
func (s *scanner) next() ([][]byte, error) {
	b := s.b
	for s.i < len(b) && (b[s.i] == '\n' || b[s.i] == '\r') {
		if b[s.i] == '\n' || s.i+1 >= len(b) || b[s.i+1] != '\n' {
			s.line++
		}
		s.i++
	}
	if s.i >= len(b) {
		return nil, nil
	}
	s.recLine = s.line
	s.fields = s.fields[:0]
	for {
		var f []byte
		if s.i < len(b) && b[s.i] == '"' {
			var err error
			if f, err = s.quoted(); err != nil {
				return nil, err
			}
		} else {
			start := s.i
			for s.i < len(b) {
				c := b[s.i]
				if c == s.comma || c == '\n' || c == '\r' {
					break
				}
				s.i++
			}
			f = b[start:s.i]
		}
		s.fields = append(s.fields, f)
		if s.i >= len(b) {
			return s.fields, nil
		}
		switch b[s.i] {
		case s.comma:
			s.i++
			continue
		case '\r':
			s.i++
			if s.i < len(b) && b[s.i] == '\n' {
				s.i++
			}
		default: // '\n'
			s.i++
		}
		s.line++
		return s.fields, nil
	}
}

// quoted reads a quoted field starting at the opening quote.
func (s *scanner) quoted() ([]byte, error) {
	b := s.b
	start := s.i + 1
	var out []byte // set once a doubled quote is seen
	i := start
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			s.line += bytes.Count(b[i:], []byte{'\n'})
			return nil, &ParseError{Line: s.recLine, Column: len(s.fields) + 1, Err: fmt.Errorf("%w: quoted field not closed", ErrSyntax)}
		}
		s.line += bytes.Count(b[i:i+j], []byte{'\n'})
		end := i + j
		if end+1 < len(b) && b[end+1] == '"' {
			out = append(out, b[i:end+1]...)
			i = end + 2
			continue
		}
		var f []byte
		if out != nil {
			f = append(out, b[i:end]...)
		} else {
			f = b[start:end]
		}
		s.i = end + 1
		if s.i < len(b) && b[s.i] != s.comma && b[s.i] != '\n' && b[s.i] != '\r' {
			return nil, &ParseError{Line: s.line, Column: len(s.fields) + 1, Err: fmt.Errorf("%w: text after a closing quote", ErrSyntax)}
		}
		return f, nil
	}
}
