package serve

// fastArray reads the JSON array at b[i] (which is '[') if it is a plain
// list of numbers: values -?(0|[1-9][0-9]*)(\.[0-9]+)? of at most 19
// digits whose digits make an integer below 2^53 (so at most 15 or 16
// significant digits), with spaces around them or none. Those are the
// numbers clients write, and each is converted with one exact division
// (Clinger's fast path, the one strconv.ParseFloat takes for them), so to
// the same bits as ParseFloat; see FuzzFastArray.
//
// The j-th value goes to dst[j], or to dst[cols[j]] when cols is not nil
// (nowhere if that is negative); there may be at most len(dst) values, or
// len(cols). fastArray returns their count and the offset after the ']'.
// For anything else (other white space, exponents, longer numbers, other
// values, too many values, bad JSON, the end of the input) it returns ok
// false, having perhaps written some of dst, and the caller reads the
// array with the lexer, which reports what is wrong. So the fast path
// needs no error handling of its own.
//
// It is one loop over the bytes with the position and the mantissa in
// registers: about 40% quicker per number than the lexer's reader, which
// is general (it keeps its state in the lexer, counts digits for
// truncation, reads exponents).
func fastArray(b []byte, i int, dst []float64, cols []int) (n, end int, ok bool) {
	width := len(dst)
	if cols != nil {
		width = len(cols)
	}
	i++ // '['
	for {
		for i < len(b) && b[i] == ' ' {
			i++
		}
		if i >= len(b) {
			return 0, 0, false
		}
		neg := b[i] == '-'
		if neg {
			i++
		}
		start := i
		var mant uint64 // may wrap past 19 digits; then it is not used
		for i < len(b) {
			c := b[i] - '0'
			if c > 9 {
				break
			}
			mant = mant*10 + uint64(c)
			i++
		}
		nd := i - start
		if nd == 0 || nd > 1 && b[start] == '0' || i >= len(b) {
			return 0, 0, false
		}
		frac := 0
		if b[i] == '.' {
			i++
			fs := i
			for i < len(b) {
				c := b[i] - '0'
				if c > 9 {
					break
				}
				mant = mant*10 + uint64(c)
				i++
			}
			frac = i - fs
			if frac == 0 || i >= len(b) {
				return 0, 0, false
			}
		}
		// frac <= 19 here, so 10^frac is exact in float64 (up to 10^22).
		if nd+frac > 19 || mant >= 1<<53 || b[i]|0x20 == 'e' || n >= width {
			return 0, 0, false
		}
		f := float64(mant) / pow10[frac]
		if neg {
			f = -f
		}
		if cols == nil {
			dst[n] = f
		} else if c := cols[n]; c >= 0 {
			dst[c] = f
		}
		n++
		for i < len(b) && b[i] == ' ' {
			i++
		}
		if i >= len(b) {
			return 0, 0, false
		}
		switch b[i] {
		case ',':
			i++
		case ']':
			return n, i + 1, true
		default:
			return 0, 0, false
		}
	}
}
