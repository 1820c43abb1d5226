package linear

// RowsRead returns the rows of X that m's fit read, counting every pass
// (passes over a subsample included), for the benchmarks' bytes-read
// metric.
func RowsRead(m *Model) int64 { return m.rowsRead }
