package readlimit

import (
	"io"
	"os"
)

// All reads r to its end. over is true, and data nil, when r holds more
// than limit bytes; at most limit+1 bytes are read.
func All(r io.Reader, limit int64) (data []byte, over bool, err error) {
	data, err = io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(data)) > limit {
		return nil, true, nil
	}
	return data, false, nil
}

// File is All on the file at path.
func File(path string, limit int64) (data []byte, over bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	return All(f, limit)
}
