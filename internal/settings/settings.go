package settings

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Lines returns "name = value" for every setting in v, each name after
// prefix, in the order of v's fields.
func Lines(prefix string, v any) []string {
	var lines []string
	flatten(prefix, reflect.ValueOf(v), &lines)
	return lines
}

var stringerType = reflect.TypeFor[fmt.Stringer]()

// flatten appends "name = value" for every setting in v, named by
// its JSON field names, leaving out what the JSON encoding leaves out
// (secrets, empty optional settings). A value with a String method is
// written by it (durations, ratios, ranges).
func flatten(name string, v reflect.Value, out *[]string) {
	if v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	key := strings.TrimSuffix(name, ".")
	if v.Type().Implements(stringerType) {
		*out = append(*out, key+" = "+v.Interface().(fmt.Stringer).String())
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			tag, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || tag == "-" {
				continue
			}
			if tag == "" {
				tag = f.Name
			}
			fv := v.Field(i)
			if (strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")) && fv.IsZero() {
				continue
			}
			flatten(name+tag+".", fv, out)
		}
	case reflect.Slice, reflect.Array:
		if v.Len() == 0 {
			return
		}
		for i := range v.Len() {
			flatten(name+strconv.Itoa(i)+".", v.Index(i), out)
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			flatten(name+fmt.Sprint(k)+".", v.MapIndex(k), out)
		}
	case reflect.Float32, reflect.Float64:
		*out = append(*out, key+" = "+strconv.FormatFloat(v.Float(), 'f', -1, 64))
	default:
		*out = append(*out, fmt.Sprintf("%s = %v", key, v.Interface()))
	}
}
