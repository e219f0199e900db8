//go:build !unix

package clientload

import "time"

// processCPU is unknown on this platform: the client's CPU use is not
// recorded, and only late starts can show it was the limit.
func processCPU() (used, waited time.Duration, ok bool) { return 0, 0, false }
