package main

import (
	"strings"
	"testing"
)

// uriErrorTexts holds every fixed text parseRedisURI's errors are made of:
// a password that is part of them is not a leak.
const uriErrorTexts = `not a valid URI (redis://[user:password@]host[:port][/db]) scheme "": use redis:// or rediss:// no host the port is not a number from 1 to 65535 the database (after the host, /db) is not a number of 0 or more an '@' after the host: a password holding '/', '?' or '#' must write them %2F, %3F and %23`

// FuzzParseRedisURI feeds --uri values, built from a user, a password, a
// host and what follows it, to parseRedisURI. It never panics; what it
// accepts names a host; and no error it returns shows the password or any
// six characters of it that appear nowhere else in the URI.
func FuzzParseRedisURI(f *testing.F) {
	for _, seed := range [][5]string{
		{"redis", "", "", "localhost", ""},
		{"rediss", "default", "s3cretPassw0rd", "mycache.westeurope.redis.azure.net:10000", ""},
		{"redis", "", "s3cretPassw0rd", "10.0.0.1:6379", "/2"},
		{"redis", "app", "p@ss:w/rd", "[::1]:6379", "/0"},
		{"rediss", "default", "AbCdEf0123456789+/AbCdEf0123456789AbCdEf0=", "host:10000", ""},
		{"http", "u", "password", "host", "/x"},
		{"redis", "u", "password", "host:port", "?a=b#frag"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4])
	}
	f.Fuzz(func(t *testing.T, scheme, user, password, host, rest string) {
		uri := scheme + "://" + host + rest
		if user != "" || password != "" {
			uri = scheme + "://" + user + ":" + password + "@" + host + rest
		}
		u, err := parseRedisURI(uri)
		if err == nil {
			if u.host == "" {
				t.Fatalf("%q: accepted without a host", uri)
			}
			if u.db < 0 {
				t.Fatalf("%q: database %d accepted", uri, u.db)
			}
			return
		}
		msg := err.Error()
		elsewhere := scheme + "\x00" + user + "\x00" + host + "\x00" + rest + "\x00" + uriErrorTexts
		const window = 6
		for i := 0; i+window <= len(password); i++ {
			part := password[i : i+window]
			if strings.Contains(msg, part) && !strings.Contains(elsewhere, part) {
				t.Fatalf("%q: error %q shows %q of the password", uri, msg, part)
			}
		}
	})
}
