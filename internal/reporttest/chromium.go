package reporttest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amrbench/amrbench/internal/units"
)

// ChromiumCandidates are the names Chromium is looked up by on PATH, after
// the AMRBENCH_CHROMIUM environment variable.
var ChromiumCandidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// ErrNoChromium is returned by FindChromium when no browser is found.
var ErrNoChromium = errors.New("no Chromium found (set AMRBENCH_CHROMIUM, or install it: apt-get install chromium)")

// FindChromium returns the path of the browser to drive.
func FindChromium() (string, error) {
	if p := os.Getenv("AMRBENCH_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range ChromiumCandidates {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// chromiumFlags start a quiet headless browser that reaches for no network
// of its own (this machine's network is closed, and a test must not depend
// on one).
var chromiumFlags = []string{
	"--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu", "--disable-quic",
	"--no-first-run", "--no-default-browser-check", "--disable-background-networking",
	"--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
	"--hide-scrollbars", "--mute-audio", "--force-color-profile=srgb", "--font-render-hinting=none",
}

// Browser is a running headless Chromium.
type Browser struct {
	cmd    *exec.Cmd
	toCDP  *os.File // the browser reads commands from its fd 3
	fromCD *os.File // and writes replies and events on its fd 4

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan message
	subs    []chan message
	done    chan struct{}
	readErr error
}

type message struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *cdpError       `json:"error,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
}

type cdpError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Start starts a browser for the test and closes it when the test ends.
func Start(t testing.TB) *Browser {
	t.Helper()
	bin, err := FindChromium()
	if err != nil {
		t.Fatalf("%v: the HTML report is checked in a real browser", err)
	}
	b, err := launch(bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func launch(bin, profile string) (*Browser, error) {
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	evR, evW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	args := append(append([]string{}, chromiumFlags...), "--user-data-dir="+profile, "about:blank")
	cmd := exec.Command(bin, args...)
	cmd.ExtraFiles = []*os.File{cmdR, evW} // fd 3 and fd 4
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	cmdR.Close()
	evW.Close()
	b := &Browser{cmd: cmd, toCDP: cmdW, fromCD: evR, pending: map[int64]chan message{}, done: make(chan struct{})}
	go b.read()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := b.call(ctx, "", "Browser.getVersion", nil); err != nil {
		b.Close()
		return nil, fmt.Errorf("%s did not answer on its DevTools pipe: %w; its stderr: %s", bin, err, units.LastLines(stderr.String(), 5, " | "))
	}
	return b, nil
}

// read dispatches the browser's messages: replies to their callers, events
// to every subscriber.
func (b *Browser) read() {
	defer close(b.done)
	r := bufio.NewReaderSize(b.fromCD, 1<<20)
	for {
		raw, err := r.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.readErr = err
			b.mu.Unlock()
			return
		}
		var m message
		if err := json.Unmarshal(raw[:len(raw)-1], &m); err != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch := b.pending[m.ID]; ch != nil {
				ch <- m
				delete(b.pending, m.ID)
			}
		} else {
			for _, s := range b.subs {
				select {
				case s <- m:
				default: // a subscriber that does not keep up loses events; none here
				}
			}
		}
		b.mu.Unlock()
	}
}

// call sends a command (to the browser when session is empty, else to the
// page of that session) and waits for its reply.
func (b *Browser) call(ctx context.Context, session, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan message, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	req := map[string]any{"id": id, "method": method}
	if params != nil {
		req["params"] = params
	}
	if session != "" {
		req["sessionId"] = session
	}
	data, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	if _, err := b.toCDP.Write(append(data, 0)); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		return m.Result, nil
	case <-b.done:
		return nil, fmt.Errorf("%s: the browser went away: %v", method, b.readErr)
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

func (b *Browser) subscribe() (chan message, func()) {
	ch := make(chan message, 4096)
	b.mu.Lock()
	b.subs = append(b.subs, ch)
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for i, s := range b.subs {
			if s == ch {
				b.subs = append(b.subs[:i], b.subs[i+1:]...)
				return
			}
		}
	}
}

// Close ends the browser.
func (b *Browser) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = b.call(ctx, "", "Browser.close", nil)
	b.toCDP.Close()
	wait := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(wait) }()
	select {
	case <-wait:
	case <-time.After(5 * time.Second):
		_ = b.cmd.Process.Kill()
		<-wait
	}
	b.fromCD.Close()
}

// Box is where an element lies on the page, in CSS pixels from the top left
// of the document.
type Box struct {
	ID         string
	X, Y, W, H float64
}

// Page is what opening a page showed.
type Page struct {
	// Console holds every message the page logged at level warning or
	// error, every uncaught exception and every failed or refused load.
	Console []string
	// Screenshot is the whole page, at one device pixel per CSS pixel.
	Screenshot image.Image
	PNG        []byte
	// Charts are the boxes of the page's charts: the svg of each
	// figure.chart, by the figure's id.
	Charts []Box
}

// Open loads the HTML file at path in a new tab width CSS pixels wide,
// waits for it to load, and returns what it showed.
func (b *Browser) Open(ctx context.Context, path string, width int) (*Page, error) {
	tab, err := b.OpenTab(ctx, path, width)
	if err != nil {
		return nil, err
	}
	defer tab.Close()
	return tab.Capture(ctx)
}

// Tab is an open page that a test can go on using: evaluate scripts in it,
// move the mouse over it, take screenshots of parts of it.
type Tab struct {
	b           *Browser
	target      string
	session     string
	width       int
	events      chan message
	unsubscribe func()
	page        *Page // console messages so far
}

// OpenTab loads the HTML file at path in a new tab width CSS pixels wide and
// waits for it to load. Close it when done.
func (b *Browser) OpenTab(ctx context.Context, path string, width int) (*Tab, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	events, unsubscribe := b.subscribe()
	res, err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"})
	if err != nil {
		unsubscribe()
		return nil, err
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := json.Unmarshal(res, &target); err != nil {
		unsubscribe()
		return nil, err
	}
	t := &Tab{b: b, target: target.TargetID, width: width, events: events, unsubscribe: unsubscribe, page: &Page{}}
	if err := t.load(ctx, abs); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

func (t *Tab) load(ctx context.Context, abs string) error {
	res, err := t.b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": t.target, "flatten": true})
	if err != nil {
		return err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := json.Unmarshal(res, &attached); err != nil {
		return err
	}
	t.session = attached.SessionID
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable"} {
		if _, err := t.b.call(ctx, t.session, m, nil); err != nil {
			return err
		}
	}
	if _, err := t.b.call(ctx, t.session, "Emulation.setDeviceMetricsOverride", map[string]any{"width": t.width, "height": 900, "deviceScaleFactor": 1, "mobile": false}); err != nil {
		return err
	}
	if _, err := t.b.call(ctx, t.session, "Page.navigate", map[string]any{"url": "file://" + abs}); err != nil {
		return err
	}
	if err := waitForLoad(ctx, t.events, t.session, t.page); err != nil {
		return err
	}
	// Give late console messages (there should be none) a moment to arrive.
	drain(t.events, t.session, t.page, 200*time.Millisecond)
	return nil
}

// Close closes the tab.
func (t *Tab) Close() {
	_, _ = t.b.call(context.Background(), "", "Target.closeTarget", map[string]any{"targetId": t.target})
	t.unsubscribe()
}

// Console returns what the page has logged so far at level warning or
// error, its exceptions and its failed loads.
func (t *Tab) Console() []string {
	drain(t.events, t.session, t.page, 0)
	return append([]string(nil), t.page.Console...)
}

// Eval evaluates a JavaScript expression in the page and decodes its value
// (which must survive JSON) into out; out may be nil.
func (t *Tab) Eval(ctx context.Context, expression string, out any) error {
	res, err := t.b.call(ctx, t.session, "Runtime.evaluate", map[string]any{"expression": expression, "returnByValue": true, "awaitPromise": true})
	if err != nil {
		return err
	}
	var eval struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &eval); err != nil {
		return err
	}
	if eval.Exception != nil {
		return fmt.Errorf("evaluate %q: %s %s", expression, eval.Exception.Text, eval.Exception.Exception.Description)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(eval.Result.Value, out); err != nil {
		return fmt.Errorf("evaluate %q: result %s: %w", expression, eval.Result.Value, err)
	}
	return nil
}

// MouseMove moves the mouse to (x, y), in CSS pixels from the top left of
// the viewport, as a person's mouse would: the page sees the pointer events
// and hit-testing a real move brings.
func (t *Tab) MouseMove(ctx context.Context, x, y float64) error {
	_, err := t.b.call(ctx, t.session, "Input.dispatchMouseEvent", map[string]any{"type": "mouseMoved", "x": x, "y": y})
	return err
}

// Screenshot returns a PNG of a part of the page, in CSS pixels from the top
// left of the document. A part beyond the window is laid out anew for the
// shot, which ends any hovering: ScreenshotVisible keeps it.
func (t *Tab) Screenshot(ctx context.Context, clip Box) ([]byte, error) {
	return t.screenshot(ctx, clip, true)
}

// ScreenshotVisible returns a PNG of a part of what the window shows, in
// CSS pixels from the top left of the document, as it is: the pointer's
// hover box and all.
func (t *Tab) ScreenshotVisible(ctx context.Context, clip Box) ([]byte, error) {
	return t.screenshot(ctx, clip, false)
}

func (t *Tab) screenshot(ctx context.Context, clip Box, beyond bool) ([]byte, error) {
	res, err := t.b.call(ctx, t.session, "Page.captureScreenshot", map[string]any{
		"format": "png", "captureBeyondViewport": beyond,
		"clip": map[string]any{"x": clip.X, "y": clip.Y, "width": clip.W, "height": clip.H, "scale": 1},
	})
	if err != nil {
		return nil, err
	}
	var shot struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal(res, &shot); err != nil {
		return nil, err
	}
	data, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	return data, nil
}

// Capture returns what the page shows: a screenshot of all of it, where
// its charts lie, and its console so far.
func (t *Tab) Capture(ctx context.Context) (*Page, error) {
	var layout struct {
		Height int   `json:"height"`
		Charts []Box `json:"charts"`
	}
	if err := t.Eval(ctx, `({
		height: Math.ceil(document.documentElement.scrollHeight),
		charts: Array.from(document.querySelectorAll('figure.chart')).map(f => {
			const svg = f.querySelector('svg');
			const r = svg ? svg.getBoundingClientRect() : {left: 0, top: 0, width: 0, height: 0};
			return {ID: f.id, X: r.left + scrollX, Y: r.top + scrollY, W: r.width, H: r.height};
		})})`, &layout); err != nil {
		return nil, err
	}
	page := &Page{Charts: layout.Charts}
	var err error
	if page.PNG, err = t.Screenshot(ctx, Box{W: float64(t.width), H: float64(max(layout.Height, 1))}); err != nil {
		return nil, err
	}
	if page.Screenshot, err = png.Decode(bytes.NewReader(page.PNG)); err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	page.Console = t.Console()
	return page, nil
}

// waitForLoad collects console messages until the page's load event.
func waitForLoad(ctx context.Context, events chan message, session string, page *Page) error {
	for {
		select {
		case m := <-events:
			if m.SessionID == session && m.Method == "Page.loadEventFired" {
				return nil
			}
			record(m, session, page)
		case <-ctx.Done():
			return fmt.Errorf("the page did not load: %w", ctx.Err())
		}
	}
}

// drain collects what is queued, and what arrives within wait.
func drain(events chan message, session string, page *Page, wait time.Duration) {
	deadline := time.After(wait)
	for {
		select {
		case m := <-events:
			record(m, session, page)
		case <-deadline:
			return
		}
	}
}

// record keeps the console's warnings and errors, exceptions and failed
// loads.
func record(m message, session string, page *Page) {
	if m.SessionID != session {
		return
	}
	switch m.Method {
	case "Runtime.consoleAPICalled":
		var p struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		if json.Unmarshal(m.Params, &p) == nil && (p.Type == "error" || p.Type == "warning" || p.Type == "assert") {
			var parts []string
			for _, a := range p.Args {
				parts = append(parts, fmt.Sprint(a.Value)+a.Description)
			}
			page.Console = append(page.Console, "console."+p.Type+": "+strings.Join(parts, " "))
		}
	case "Runtime.exceptionThrown":
		var p struct {
			Details struct {
				Text      string `json:"text"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		_ = json.Unmarshal(m.Params, &p)
		page.Console = append(page.Console, "exception: "+p.Details.Text+" "+p.Details.Exception.Description)
	case "Log.entryAdded":
		var p struct {
			Entry struct {
				Level, Source, Text, URL string
			} `json:"entry"`
		}
		if json.Unmarshal(m.Params, &p) == nil && (p.Entry.Level == "error" || p.Entry.Level == "warning") {
			page.Console = append(page.Console, fmt.Sprintf("%s (%s): %s %s", p.Entry.Level, p.Entry.Source, p.Entry.Text, p.Entry.URL))
		}
	}
}

// WriteArtifacts writes the page's screenshot to dir/name.png, for people to
// look at; the tests never read it back.
func (p *Page) WriteArtifacts(dir, name string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".png"), p.PNG, 0o644)
}

// Ink measures what is drawn in a box of the screenshot: the share of its
// pixels that are not the white background, and the number of pixels in
// saturated colour (the data series; axes, grid and text are grey).
func (p *Page) Ink(b Box) (inked float64, coloured int) {
	r := image.Rect(int(b.X), int(b.Y), int(b.X+b.W), int(b.Y+b.H)).Intersect(p.Screenshot.Bounds())
	if r.Empty() {
		return 0, 0
	}
	pixel := func(x, y int) (int, int, int) {
		cr, cg, cb, _ := p.Screenshot.At(x, y).RGBA()
		return int(cr >> 8), int(cg >> 8), int(cb >> 8)
	}
	if rgba, ok := p.Screenshot.(*image.RGBA); ok { // what Chromium's PNGs decode to: read the bytes
		pixel = func(x, y int) (int, int, int) {
			i := rgba.PixOffset(x, y)
			return int(rgba.Pix[i]), int(rgba.Pix[i+1]), int(rgba.Pix[i+2])
		}
	}
	var n, ink int
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			R, G, B := pixel(x, y)
			n++
			if R < 245 || G < 245 || B < 245 {
				ink++
			}
			if max(R, G, B)-min(R, G, B) > 80 {
				coloured++
			}
		}
	}
	return float64(ink) / float64(n), coloured
}

// ScreenshotDir is where the tests write screenshots: AMRBENCH_SCREENSHOTS,
// or build/screenshots at the root of the repository (root is the path of
// the repository's root from the test's package).
func ScreenshotDir(root string) string {
	if d := os.Getenv("AMRBENCH_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join(root, "build", "screenshots")
}
