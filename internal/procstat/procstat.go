// Package procstat reads what the benchmarks report of a process: its peak
// memory and CPU time, on every system etl builds for.
package procstat
