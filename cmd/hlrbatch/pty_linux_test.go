package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY opens a pseudo-terminal and returns its two ends: what a program
// reads as its terminal (the follower) and the test's end (the leader).
func openPTY(t *testing.T) (leader, follower *os.File) {
	t.Helper()
	leader, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { leader.Close() })
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, leader.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skipf("unlockpt: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, leader.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Skipf("ptsname: %v", e)
	}
	follower, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open the terminal: %v", err)
	}
	t.Cleanup(func() { follower.Close() })
	return leader, follower
}

// TestBinaryPrompt runs the built binary's delete with a real terminal, or
// /dev/null, as standard input: on the terminal it asks, and one SIGINT at
// the prompt exits 130 at once; on /dev/null it wants --yes (exit 2).
func TestBinaryPrompt(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	f := newFake(t)
	id := f.loaded(t, nil, sampleNumbers...)

	t.Run("terminal, one Ctrl-C", func(t *testing.T) {
		_, tty := openPTY(t)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a hang is killed
		defer cancel()
		cmd := f.command(ctx, bin, "delete", id)
		cmd.Stdin = tty
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(stderr)
		prompt, err := r.ReadString(']') // "… for good? [y/N]"
		if err != nil || !strings.Contains(prompt, "Delete batch "+id) {
			t.Fatalf("prompt %q, %v", prompt, err)
		}
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		var rest bytes.Buffer
		rest.ReadFrom(r)
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != exitInterrupted || !strings.Contains(rest.String(), "interrupted; batch "+id+" was not deleted") {
			t.Errorf("exit %d, stderr after the prompt %q; want 130 and a message", code, rest.String())
		}
	})

	t.Run("/dev/null", func(t *testing.T) {
		devNull, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		defer devNull.Close()
		cmd := f.command(context.Background(), bin, "delete", id)
		cmd.Stdin = devNull
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != exitUsage || !strings.Contains(stderr.String(), "add --yes") {
			t.Errorf("exit %d, stderr %q; want 2 asking for --yes", code, stderr.String())
		}
	})
	if _, ok := f.srv.Batch(id); !ok {
		t.Error("the batch was deleted")
	}
}
