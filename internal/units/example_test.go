package units_test

import (
	"errors"
	"fmt"

	"github.com/amrbench/amrbench/internal/units"
)

func ExampleParseBytes() {
	for _, s := range []string{"512", "4KB", "4KiB", "1MiB", "4k", "3GiB"} {
		n, err := units.ParseBytes(s)
		fmt.Println(s, n, err)
	}
	// Output:
	// 512 512 <nil>
	// 4KB 4000 <nil>
	// 4KiB 4096 <nil>
	// 1MiB 1048576 <nil>
	// 4k 0 "4k" is ambiguous: write 4KB (decimal, ×1000) or 4KiB (binary, ×1024)
	// 3GiB 0 "3GiB" is not a size in bytes from 0 to 2147483647 (for example 32, 4KB = 4,000 B or 4KiB = 4,096 B)
}

func ExampleParseDataSize() {
	for _, s := range []string{"80GB", "1.5TB", "2GiB"} {
		n, _ := units.ParseDataSize(s)
		fmt.Println(s, "=", units.FormatWhole(n), "bytes =", units.FormatBytes(n))
	}
	// Output:
	// 80GB = 80,000,000,000 bytes = 80.0 GB
	// 1.5TB = 1,500,000,000,000 bytes = 1.50 TB
	// 2GiB = 2,147,483,648 bytes = 2.15 GB
}

func ExampleParseRate() {
	r, _ := units.ParseRate("1.5M")
	fmt.Println(r, units.FormatRate(r), units.FormatWhole(r))
	// Output: 1.5e+06 1.5M 1,500,000
}

func ExampleParsePercent() {
	headroom, _ := units.ParsePercent("20%")
	fmt.Printf("%s ops/s needed for 500k with %s headroom\n", units.FormatWhole(500000/(1-headroom)), units.FormatPercent(headroom))
	// Output: 625,000 ops/s needed for 500k with 20.0 % headroom
}

func ExamplePlural() {
	fmt.Println(units.Plural(1, "connection") + ", " + units.Plural(50, "connection"))
	// Output: 1 connection, 50 connections
}

func ExampleOneLine() {
	err := errors.Join(errors.New("--ratio 0:0: at least one side must be above zero"), errors.New("--pipeline 0: must be at least 1"))
	fmt.Println(units.OneLine(err))
	// Output: --ratio 0:0: at least one side must be above zero; --pipeline 0: must be at least 1
}
