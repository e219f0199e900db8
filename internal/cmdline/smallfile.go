package cmdline

import (
	"fmt"
	"io"
	"os"
)

// maxSmallFile bounds the files a flag names for a secret or a certificate
// (--password-file, --cacert, --cert, --key, --entra-certificate): a PEM
// bundle of every public CA is about 200 KB.
const maxSmallFile = 1 << 20

// ReadSmallFile reads a file a flag names that holds a password, a key or
// certificates, refusing one larger than maxSmallFile (such as /dev/zero,
// which would otherwise be read until memory runs out). Its errors never
// quote the file's contents.
func ReadSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSmallFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxSmallFile {
		return nil, fmt.Errorf("%s: larger than %d MiB, more than a password, key or certificate file holds", path, maxSmallFile>>20)
	}
	return b, nil
}
