package decimal

import "strconv"

// AppendGo appends the decimal text of a Go number to dst: every integer
// type in full, float32 and float64 as the shortest decimal that rounds to
// them (NaN and the infinities as Go prints them, which Parse refuses). ok
// is false, and dst returned as it is, for a value of any other type.
func AppendGo(dst []byte, v any) (out []byte, ok bool) {
	switch v := v.(type) {
	case int:
		return strconv.AppendInt(dst, int64(v), 10), true
	case int8:
		return strconv.AppendInt(dst, int64(v), 10), true
	case int16:
		return strconv.AppendInt(dst, int64(v), 10), true
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), true
	case int64:
		return strconv.AppendInt(dst, v, 10), true
	case uint:
		return strconv.AppendUint(dst, uint64(v), 10), true
	case uint8:
		return strconv.AppendUint(dst, uint64(v), 10), true
	case uint16:
		return strconv.AppendUint(dst, uint64(v), 10), true
	case uint32:
		return strconv.AppendUint(dst, uint64(v), 10), true
	case uint64:
		return strconv.AppendUint(dst, v, 10), true
	case float32:
		return strconv.AppendFloat(dst, float64(v), 'g', -1, 32), true
	case float64:
		return strconv.AppendFloat(dst, v, 'g', -1, 64), true
	}
	return dst, false
}
