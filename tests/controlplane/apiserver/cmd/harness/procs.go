package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// supervisor starts child processes in their own process groups, logs each to <logs>/<name>.log, and stops them
// all (SIGTERM, then SIGKILL) on shutdown. Pdeathsig kills a child if the harness itself dies without cleaning up.
type supervisor struct {
	logs  string
	mu    sync.Mutex
	procs []*child
}

type child struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func (s *supervisor) start(name, bin string, args []string, env []string) (*child, error) {
	logPath := filepath.Join(s.logs, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		f.Close()
		close(c.done)
	}()
	s.mu.Lock()
	s.procs = append(s.procs, c)
	s.mu.Unlock()
	return c, nil
}

// exited reports a child that stopped while the harness still needs it.
func (s *supervisor) exited() *child {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.procs {
		select {
		case <-c.done:
			return c
		default:
		}
	}
	return nil
}

func (s *supervisor) stopAll() {
	s.mu.Lock()
	procs := append([]*child(nil), s.procs...)
	s.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- { // reverse start order: operators before the API server
		c := procs[i]
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGTERM)
	}
	deadline := time.After(10 * time.Second)
	for _, c := range procs {
		select {
		case <-c.done:
		case <-deadline:
			_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
			<-c.done
		}
	}
}

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitTLS waits until a TLS server answers a handshake on addr, or the child exits, or ctx ends.
func waitTLS(ctx context.Context, addr string, c *child) error {
	for {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // readiness probe only
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-c.done:
			return fmt.Errorf("%s exited before serving on %s: %v (see its log)", c.name, addr, c.err)
		case <-ctx.Done():
			return fmt.Errorf("%s did not serve on %s in time: %v", c.name, addr, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
