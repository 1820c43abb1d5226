package serve

import (
	"bytes"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"runtime/pprof"
	"strconv"
	"time"
)

// The Go runtime and process metrics of /metrics carry the names, types
// and help texts that the Prometheus Go client gives them (its Go
// collector with the default options, and its process collector), so that
// the dashboards and alerts written for Go services work unchanged. They
// are read at each scrape: the runtime's from runtime/metrics (no
// stop-the-world) and runtime/debug, the process's from /proc/self on
// Linux. Where /proc is missing the process metrics are left out, as the
// client leaves them out.

// The runtime/metrics samples read at each scrape.
const (
	rmTinyAllocs = iota
	rmAllocsObjects
	rmFreesObjects
	rmAllocsBytes
	rmHeapObjects
	rmHeapGoal
	rmTotal
	rmHeapObjectsBytes
	rmHeapUnused
	rmHeapReleased
	rmHeapFree
	rmHeapStacks
	rmOSStacks
	rmMSpanInuse
	rmMSpanFree
	rmMCacheInuse
	rmMCacheFree
	rmProfBuckets
	rmMetaOther
	rmOther
	rmGOGC
	rmMemLimit
	rmGOMAXPROCS
	numRM
)

var rmNames = [numRM]string{
	rmTinyAllocs:       "/gc/heap/tiny/allocs:objects",
	rmAllocsObjects:    "/gc/heap/allocs:objects",
	rmFreesObjects:     "/gc/heap/frees:objects",
	rmAllocsBytes:      "/gc/heap/allocs:bytes",
	rmHeapObjects:      "/gc/heap/objects:objects",
	rmHeapGoal:         "/gc/heap/goal:bytes",
	rmTotal:            "/memory/classes/total:bytes",
	rmHeapObjectsBytes: "/memory/classes/heap/objects:bytes",
	rmHeapUnused:       "/memory/classes/heap/unused:bytes",
	rmHeapReleased:     "/memory/classes/heap/released:bytes",
	rmHeapFree:         "/memory/classes/heap/free:bytes",
	rmHeapStacks:       "/memory/classes/heap/stacks:bytes",
	rmOSStacks:         "/memory/classes/os-stacks:bytes",
	rmMSpanInuse:       "/memory/classes/metadata/mspan/inuse:bytes",
	rmMSpanFree:        "/memory/classes/metadata/mspan/free:bytes",
	rmMCacheInuse:      "/memory/classes/metadata/mcache/inuse:bytes",
	rmMCacheFree:       "/memory/classes/metadata/mcache/free:bytes",
	rmProfBuckets:      "/memory/classes/profiling/buckets:bytes",
	rmMetaOther:        "/memory/classes/metadata/other:bytes",
	rmOther:            "/memory/classes/other:bytes",
	rmGOGC:             "/gc/gogc:percent",
	rmMemLimit:         "/gc/gomemlimit:bytes",
	rmGOMAXPROCS:       "/sched/gomaxprocs:threads",
}

// rmHelp returns the help text the Go client gives a metric it takes from
// runtime/metrics: the runtime's description and where it comes from.
func rmHelp(name string) string {
	for _, d := range rtmetrics.All() {
		if d.Name == name {
			return d.Description + " Sourced from " + name + "."
		}
	}
	return "Sourced from " + name + "."
}

// appendRuntimeMetrics writes the Go runtime and process metrics.
func appendRuntimeMetrics(b []byte) []byte {
	var samples [numRM]rtmetrics.Sample
	for i := range samples {
		samples[i].Name = rmNames[i]
	}
	rtmetrics.Read(samples[:])
	rm := func(i int) float64 {
		switch v := samples[i].Value; v.Kind() {
		case rtmetrics.KindUint64:
			return float64(v.Uint64())
		case rtmetrics.KindFloat64:
			return v.Float64()
		}
		return 0 // not in this Go version
	}
	one := func(name, typ, help string, v float64) {
		b = append(b, "# HELP "+name+" "+help+"\n# TYPE "+name+" "+typ+"\n"+name+" "...)
		b = appendPromFloat(b, v)
		b = append(b, '\n')
	}

	var gc debug.GCStats
	gc.PauseQuantiles = make([]time.Duration, 5)
	debug.ReadGCStats(&gc)
	b = append(b, "# HELP go_gc_duration_seconds A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.\n"+
		"# TYPE go_gc_duration_seconds summary\n"...)
	for i, q := range [...]string{"0", "0.25", "0.5", "0.75", "1"} {
		b = append(b, "go_gc_duration_seconds{quantile=\""+q+"\"} "...)
		b = appendPromFloat(b, gc.PauseQuantiles[i].Seconds())
		b = append(b, '\n')
	}
	b = append(b, "go_gc_duration_seconds_sum "...)
	b = appendPromFloat(b, gc.PauseTotal.Seconds())
	b = append(b, "\ngo_gc_duration_seconds_count "...)
	b = strconv.AppendInt(b, gc.NumGC, 10)
	b = append(b, '\n')

	one("go_gc_gogc_percent", "gauge", rmHelp(rmNames[rmGOGC]), rm(rmGOGC))
	one("go_gc_gomemlimit_bytes", "gauge", rmHelp(rmNames[rmMemLimit]), rm(rmMemLimit))
	one("go_goroutines", "gauge", "Number of goroutines that currently exist.", float64(runtime.NumGoroutine()))
	b = append(b, "# HELP go_info Information about the Go environment.\n# TYPE go_info gauge\ngo_info{version="...)
	b = appendLabel(b, runtime.Version())
	b = append(b, "} 1\n"...)

	// The runtime.MemStats fields, from runtime/metrics as the client
	// derives them.
	tiny := rm(rmTinyAllocs)
	heapAlloc := rm(rmHeapObjectsBytes)
	heapInuse := heapAlloc + rm(rmHeapUnused)
	heapIdle := rm(rmHeapReleased) + rm(rmHeapFree)
	for _, m := range [...]struct {
		name, typ, help string
		v               float64
	}{
		{"alloc_bytes", "gauge", "Number of bytes allocated in heap and currently in use. Equals to /memory/classes/heap/objects:bytes.", heapAlloc},
		{"alloc_bytes_total", "counter", "Total number of bytes allocated in heap until now, even if released already. Equals to /gc/heap/allocs:bytes.", rm(rmAllocsBytes)},
		{"buck_hash_sys_bytes", "gauge", "Number of bytes used by the profiling bucket hash table. Equals to /memory/classes/profiling/buckets:bytes.", rm(rmProfBuckets)},
		{"frees_total", "counter", "Total number of heap objects frees. Equals to /gc/heap/frees:objects + /gc/heap/tiny/allocs:objects.", rm(rmFreesObjects) + tiny},
		{"gc_sys_bytes", "gauge", "Number of bytes used for garbage collection system metadata. Equals to /memory/classes/metadata/other:bytes.", rm(rmMetaOther)},
		{"heap_alloc_bytes", "gauge", "Number of heap bytes allocated and currently in use, same as go_memstats_alloc_bytes. Equals to /memory/classes/heap/objects:bytes.", heapAlloc},
		{"heap_idle_bytes", "gauge", "Number of heap bytes waiting to be used. Equals to /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes.", heapIdle},
		{"heap_inuse_bytes", "gauge", "Number of heap bytes that are in use. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes", heapInuse},
		{"heap_objects", "gauge", "Number of currently allocated objects. Equals to /gc/heap/objects:objects.", rm(rmHeapObjects)},
		{"heap_released_bytes", "gauge", "Number of heap bytes released to OS. Equals to /memory/classes/heap/released:bytes.", rm(rmHeapReleased)},
		{"heap_sys_bytes", "gauge", "Number of heap bytes obtained from system. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes + /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes.", heapInuse + heapIdle},
		{"last_gc_time_seconds", "gauge", "Number of seconds since 1970 of last garbage collection.", float64(gc.LastGC.UnixNano()) / 1e9},
		{"mallocs_total", "counter", "Total number of heap objects allocated, both live and gc-ed. Semantically a counter version for go_memstats_heap_objects gauge. Equals to /gc/heap/allocs:objects + /gc/heap/tiny/allocs:objects.", rm(rmAllocsObjects) + tiny},
		{"mcache_inuse_bytes", "gauge", "Number of bytes in use by mcache structures. Equals to /memory/classes/metadata/mcache/inuse:bytes.", rm(rmMCacheInuse)},
		{"mcache_sys_bytes", "gauge", "Number of bytes used for mcache structures obtained from system. Equals to /memory/classes/metadata/mcache/inuse:bytes + /memory/classes/metadata/mcache/free:bytes.", rm(rmMCacheInuse) + rm(rmMCacheFree)},
		{"mspan_inuse_bytes", "gauge", "Number of bytes in use by mspan structures. Equals to /memory/classes/metadata/mspan/inuse:bytes.", rm(rmMSpanInuse)},
		{"mspan_sys_bytes", "gauge", "Number of bytes used for mspan structures obtained from system. Equals to /memory/classes/metadata/mspan/inuse:bytes + /memory/classes/metadata/mspan/free:bytes.", rm(rmMSpanInuse) + rm(rmMSpanFree)},
		{"next_gc_bytes", "gauge", "Number of heap bytes when next garbage collection will take place. Equals to /gc/heap/goal:bytes.", rm(rmHeapGoal)},
		{"other_sys_bytes", "gauge", "Number of bytes used for other system allocations. Equals to /memory/classes/other:bytes.", rm(rmOther)},
		{"stack_inuse_bytes", "gauge", "Number of bytes obtained from system for stack allocator in non-CGO environments. Equals to /memory/classes/heap/stacks:bytes.", rm(rmHeapStacks)},
		{"stack_sys_bytes", "gauge", "Number of bytes obtained from system for stack allocator. Equals to /memory/classes/heap/stacks:bytes + /memory/classes/os-stacks:bytes.", rm(rmHeapStacks) + rm(rmOSStacks)},
		{"sys_bytes", "gauge", "Number of bytes obtained from system. Equals to /memory/classes/total:byte.", rm(rmTotal)},
	} {
		one("go_memstats_"+m.name, m.typ, m.help, m.v)
	}
	one("go_sched_gomaxprocs_threads", "gauge", rmHelp(rmNames[rmGOMAXPROCS]), rm(rmGOMAXPROCS))
	one("go_threads", "gauge", "Number of OS threads created.", float64(pprof.Lookup("threadcreate").Count()))

	if p, ok := readProc(); ok {
		one("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", p.cpu)
		one("process_max_fds", "gauge", "Maximum number of open file descriptors.", p.maxFDs)
		one("process_open_fds", "gauge", "Number of open file descriptors.", p.openFDs)
		one("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", p.rss)
		one("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", p.start)
		one("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", p.vsize)
		one("process_virtual_memory_max_bytes", "gauge", "Maximum amount of virtual memory available in bytes.", p.maxVsize)
	}
	return b
}

// appendPromFloat writes v as the text format writes a sample value.
func appendPromFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// procStats holds what the process metrics report.
type procStats struct {
	cpu, rss, vsize, start    float64
	openFDs, maxFDs, maxVsize float64
}

// userHZ is the unit of the times in /proc/self/stat: 100 per second on
// every Linux architecture (USER_HZ, what procfs and the Go client use).
const userHZ = 100

// readProc reads the process metrics from /proc/self (Linux). It reports
// false where /proc/self/stat cannot be read.
func readProc() (procStats, bool) {
	var p procStats
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return p, false
	}
	// The fields after the command name, which is in parentheses and may
	// hold spaces: state is field 3 of proc(5), so field n is f[n-3].
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return p, false
	}
	f := bytes.Fields(stat[i+1:])
	if len(f) < 22 {
		return p, false
	}
	num := func(n int) float64 {
		v, _ := strconv.ParseUint(string(f[n-3]), 10, 64)
		return float64(v)
	}
	p.cpu = (num(14) + num(15)) / userHZ
	p.vsize = num(23)
	p.rss = num(24) * float64(os.Getpagesize())
	if boot, ok := bootTime(); ok {
		p.start = boot + num(22)/userHZ
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		p.openFDs = float64(len(fds))
	}
	p.maxFDs, p.maxVsize = procLimit("Max open files"), procLimit("Max address space")
	return p, true
}

// bootTime returns the btime line of /proc/stat: when the system booted,
// in seconds since 1970.
func bootTime() (float64, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			n, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 10, 64)
			return float64(n), err == nil
		}
	}
	return 0, false
}

// procLimit returns the soft limit named in /proc/self/limits, with
// "unlimited" as 2^64-1, as procfs reads it.
func procLimit(name string) float64 {
	b, err := os.ReadFile("/proc/self/limits")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte(name))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) == 0 {
			return 0
		}
		if string(f[0]) == "unlimited" {
			return math.MaxUint64
		}
		v, _ := strconv.ParseUint(string(f[0]), 10, 64)
		return float64(v)
	}
	return 0
}
