package linear

import (
	"math"
	"sync"

	"gonum.org/v1/gonum/floats"
)

// problem is one fit as the solvers see it: data, weights and the smooth
// part of objective/C,
//
//	G(theta) = sum_i sw_i * logloss_i + l2/2 * ||W||^2   (+ l1 * ||W||_1, handled by cd)
//
// theta holds nc rows of d+1 numbers: the coefficients of a class row, then
// its intercept. nc is 1 for a binary model (sigmoid) and k otherwise
// (softmax). When fitB is false the intercept entries get zero gradient, so
// no solver moves them from 0.
type problem struct {
	x      []float64 // row i is x[i*stride : i*stride+d]
	stride int
	n, d   int
	y      []int
	sw     []float64 // one weight per row
	k, nc  int
	fitB   bool
	l2, l1 float64

	threads  int
	blocks   [][2]int    // fixed row ranges: the partition (and so the sums) do not depend on threads
	partG    [][]float64 // per-block partial gradients
	partF    []float64
	zbuf     [][]float64 // per-block scratch of nc values (multinomial scores)
	evals    int         // passes over X
	rowsRead int64       // rows read by all passes, including those over subsamples
}

// maxBlocks bounds the fixed partition of rows; blocks are summed in order,
// so results are the same for any number of threads.
const maxBlocks = 8

func newProblem(x []float64, stride, n, d int, y []int, sw []float64, k int, fitB bool, l2, l1 float64, threads int) *problem {
	nc := k
	if k == 2 {
		nc = 1
	}
	p := &problem{x: x, stride: stride, n: n, d: d, y: y, sw: sw, k: k, nc: nc, fitB: fitB, l2: l2, l1: l1, threads: threads}
	nb := n * d / (1 << 15)
	nb = max(1, min(nb, maxBlocks, n))
	for b := range nb {
		p.blocks = append(p.blocks, [2]int{b * n / nb, (b + 1) * n / nb})
	}
	np := p.nparams()
	p.partG = make([][]float64, nb)
	p.partF = make([]float64, nb)
	p.zbuf = make([][]float64, nb)
	for b := range nb {
		p.partG[b] = make([]float64, np)
		p.zbuf[b] = make([]float64, nc)
	}
	return p
}

func (p *problem) nparams() int { return p.nc * (p.d + 1) }

// row returns row i of X.
func (p *problem) row(i int) []float64 { return p.x[i*p.stride : i*p.stride+p.d] }

// parallel runs fn(b) for every block b on up to p.threads goroutines and
// returns when all are done.
func (p *problem) parallel(fn func(b int)) {
	nb := len(p.blocks)
	workers := min(p.threads, nb)
	if workers <= 1 {
		for b := range nb {
			fn(b)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for b := w; b < nb; b += workers {
				fn(b)
			}
		})
	}
	wg.Wait()
}

// eval returns G(theta) and, when grad is not nil, writes its gradient. It
// reads X once.
func (p *problem) eval(theta, grad []float64) float64 {
	p.evals++
	p.rowsRead += int64(p.n)
	p.parallel(func(b int) {
		g := p.partG[b]
		if grad != nil {
			clear(g)
		} else {
			g = nil
		}
		lo, hi := p.blocks[b][0], p.blocks[b][1]
		if p.nc == 1 {
			p.partF[b] = p.binaryBlock(theta, g, lo, hi)
		} else {
			p.partF[b] = p.softmaxBlock(theta, g, p.zbuf[b], lo, hi)
		}
	})
	f := 0.0
	for b := range p.blocks {
		f += p.partF[b]
	}
	if grad != nil {
		copy(grad, p.partG[0])
		for b := 1; b < len(p.blocks); b++ {
			floats.Add(grad, p.partG[b])
		}
	}
	return f + p.addPenalty(theta, grad)
}

// addPenalty adds the L2 term's gradient to grad (if not nil), zeroes the
// intercept gradient when no intercept is fitted, and returns the L2 term.
func (p *problem) addPenalty(theta, grad []float64) float64 {
	d := p.d
	pen := 0.0
	for c := range p.nc {
		w := theta[c*(d+1) : c*(d+1)+d]
		if p.l2 != 0 {
			pen += 0.5 * p.l2 * floats.Dot(w, w)
			if grad != nil {
				floats.AddScaled(grad[c*(d+1):c*(d+1)+d], p.l2, w)
			}
		}
		if grad != nil && !p.fitB {
			grad[c*(d+1)+d] = 0
		}
	}
	return pen
}

// binaryLoss returns the log loss of a row with score z and label y (0 or
// 1), and the probability of class 1.
func binaryLoss(z float64, y int) (loss, prob float64) {
	e := expNeg(-math.Abs(z))
	l := log1pUnit(e)
	// Without branches (the signs of z and labels are unpredictable):
	// neg is 1 when the sign bit of z is set, else 0, so the numerator is
	// exactly 1 or e; m = z for y = 0 and -z for y = 1, and
	// (m+|m|)/2 = max(m, 0) exactly.
	neg := float64(math.Float64bits(z) >> 63)
	prob = (neg*e + (1 - neg)) / (1 + e)
	m := z * float64(1-2*y)
	return 0.5*(m+math.Abs(m)) + l, prob
}

func (p *problem) binaryBlock(theta, g []float64, lo, hi int) float64 {
	d := p.d
	w, b := theta[:d], theta[d]
	var f, gb float64
	for i := lo; i < hi; i++ {
		xi := p.row(i)
		z := b + floats.Dot(xi, w)
		yi := p.y[i]
		loss, prob := binaryLoss(z, yi)
		s := p.sw[i]
		f += s * loss
		if g != nil {
			r := s * (prob - float64(yi))
			if r != 0 {
				floats.AddScaled(g[:d], r, xi)
			}
			gb += r
		}
	}
	if g != nil {
		g[d] += gb
	}
	return f
}

// sigmoid returns 1/(1+exp(-z)) without overflow.
func sigmoid(z float64) float64 {
	e := expNeg(-math.Abs(z))
	if z >= 0 {
		return 1 / (1 + e)
	}
	return e / (1 + e)
}

// softmax turns scores z into probabilities in place and returns
// log(sum(exp(z))).
func softmax(z []float64) float64 {
	m := z[0]
	for _, v := range z[1:] {
		m = max(m, v)
	}
	s := 0.0
	for c, v := range z {
		e := expNeg(v - m)
		z[c] = e
		s += e
	}
	inv := 1 / s
	for c := range z {
		z[c] *= inv
	}
	return m + math.Log(s)
}

func (p *problem) softmaxBlock(theta, g, z []float64, lo, hi int) float64 {
	d, nc := p.d, p.nc
	f := 0.0
	for i := lo; i < hi; i++ {
		xi := p.row(i)
		for c := range nc {
			z[c] = theta[c*(d+1)+d] + floats.Dot(xi, theta[c*(d+1):c*(d+1)+d])
		}
		yi := p.y[i]
		zy := z[yi]
		lse := softmax(z)
		s := p.sw[i]
		f += s * (lse - zy)
		if g != nil {
			for c := range nc {
				r := z[c]
				if c == yi {
					r--
				}
				r *= s
				if r != 0 {
					floats.AddScaled(g[c*(d+1):c*(d+1)+d], r, xi)
				}
				g[c*(d+1)+d] += r
			}
		}
	}
	return f
}

// violation returns the largest absolute entry of the minimum-norm
// subgradient of G + l1*||W||_1 at theta, given the gradient g of the smooth
// part.
func (p *problem) violation(theta, g []float64) float64 {
	d := p.d
	v := 0.0
	for c := range p.nc {
		for j := range d + 1 {
			idx := c*(d+1) + j
			gj := g[idx]
			if j == d || p.l1 == 0 {
				v = max(v, math.Abs(gj))
				continue
			}
			switch w := theta[idx]; {
			case w > 0:
				v = max(v, math.Abs(gj+p.l1))
			case w < 0:
				v = max(v, math.Abs(gj-p.l1))
			default:
				v = max(v, math.Abs(gj)-p.l1)
			}
		}
	}
	return v
}

// l1norm returns ||W||_1 (intercepts excluded).
func (p *problem) l1norm(theta []float64) float64 {
	d := p.d
	s := 0.0
	for c := range p.nc {
		for _, w := range theta[c*(d+1) : c*(d+1)+d] {
			s += math.Abs(w)
		}
	}
	return s
}
