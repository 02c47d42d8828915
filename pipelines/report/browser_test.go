package report_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromium runs headless Chromium (Debian's chromium package) on the page
// with the given extra flags and returns its standard output and error.
func chromium(t *testing.T, page string, flags ...string) (stdout, stderr []byte) {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("CRMBATCH_BROWSER_TEST is set but chromium is not installed (apt-get install chromium): %v", err)
	}
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0"}, flags...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(args, "file://"+page)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", flags, err, errb.Bytes())
	}
	return out.Bytes(), errb.Bytes()
}

// The report opens in headless Chromium without console errors, every chart
// is in the rendered DOM, and a screenshot is taken. Set
// CRMBATCH_REPORT_SCREENSHOT to a path to keep the screenshot.
func TestReportInChromium(t *testing.T) {
	if os.Getenv("CRMBATCH_BROWSER_TEST") != "1" {
		t.Skip("SKIPPED: headless Chromium check of the HTML report did not run; set CRMBATCH_BROWSER_TEST=1 (needs Debian's chromium package)")
	}
	r := generatedRun(t)
	page := r.reports[1]

	dom, stderr := chromium(t, page, "--dump-dom")
	for _, id := range charts {
		if !bytes.Contains(dom, []byte(`id="`+id+`"`)) {
			t.Errorf("chart %s is not in the DOM Chromium rendered", id)
		}
	}
	for _, id := range sections {
		if !bytes.Contains(dom, []byte(`id="`+id+`"`)) {
			t.Errorf("section %s is not in the DOM Chromium rendered", id)
		}
	}
	for _, line := range strings.Split(string(stderr), "\n") {
		if strings.Contains(line, ":CONSOLE(") || strings.Contains(line, "Uncaught") || strings.Contains(line, "ERR_FILE_NOT_FOUND") {
			t.Errorf("Chromium reported a page error: %s", line)
		}
	}

	shot := filepath.Join(t.TempDir(), "report.png")
	chromium(t, page, "--screenshot="+shot, "--window-size=1280,16000", "--hide-scrollbars")
	st, err := os.Stat(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	png, _ := os.ReadFile(shot)
	if st.Size() < 10_000 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("screenshot %s is %d bytes, not a plausible PNG of the page", shot, st.Size())
	}
	if keep := os.Getenv("CRMBATCH_REPORT_SCREENSHOT"); keep != "" {
		if err := os.WriteFile(keep, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot kept at %s", keep)
	}
}
