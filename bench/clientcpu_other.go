//go:build !unix

package bench

import "time"

// processCPU is unknown on this platform: the client's CPU use is not
// recorded, and only late starts can show it was the limit.
func processCPU() (time.Duration, bool) { return 0, false }
