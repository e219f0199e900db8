// Package reporttest holds the fixtures of the tests of report and its
// subpackages: the fixed runs they share (ServerBoundRun, FixtureHeader),
// reading report/testdata's result files and checking golden files
// (ReadRun, CheckGolden), and a real browser to open the HTML reports in.
//
// The browser is a headless Chromium driven over the Chrome DevTools
// Protocol on a pipe (--remote-debugging-pipe), so no port, no WebSocket library and no
// browser download are needed. It collects what the page logged to its
// console and takes a screenshot of the whole page, with the position of
// each chart on it.
//
// Chromium must be installed (Debian: apt-get install chromium); the CI
// script installs it. Tests fail, rather than skip, without it.
package reporttest
