package testkit

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ThreadNices is the nice value of every thread of process pid, from
// /proc/PID/task/*/stat (field 19); a thread that ends meanwhile is left
// out.
func ThreadNices(pid int) ([]int, error) {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "task")
	names, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var nices []int
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n.Name(), "stat"))
		if err != nil {
			continue
		}
		// the command name may hold spaces: the fields count from its ")"
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		v, err := strconv.Atoi(f[16]) // field 19 of the line; f[0] is field 3
		if err != nil {
			return nil, err
		}
		nices = append(nices, v)
	}
	return nices, nil
}
