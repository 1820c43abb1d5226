//go:build !unix

package dataset_test

func mkfifo(string) (bool, error) { return false, nil }
