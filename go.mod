module github.com/cairn-ml/cairn

go 1.26

require (
	github.com/google/go-cmp v0.7.0
	go.etcd.io/bbolt v1.5.0
	golang.org/x/exp v0.0.0-20261113113407-e3970619a1a4
	golang.org/x/sys v0.45.0 // indirect
	gonum.org/v1/gonum v0.17.0
)
