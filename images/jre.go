package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// jreModules are the Java modules of the Kafka image's runtime: java.se plus what the
// broker and its libraries use (jdk.unsupported for Unsafe, jdk.management for the OS
// metrics, EC crypto for TLS). java.desktop is needed for java.beans (the storage tool
// fails without it), but its graphics libraries are never loaded: see desktopNatives.
var jreModules = []string{
	"java.base", "java.desktop", "java.datatransfer", "java.logging", "java.management", "java.management.rmi", "java.rmi",
	"java.naming", "java.net.http", "java.scripting", "java.security.jgss", "java.security.sasl",
	"java.sql", "java.transaction.xa", "java.xml", "java.xml.crypto", "java.instrument",
	"java.prefs", "jdk.unsupported", "jdk.management", "jdk.crypto.ec", "jdk.zipfs",
	"jdk.naming.dns", "jdk.security.auth", "jdk.security.jgss",
}

// desktopNatives are java.desktop's native libraries for AWT, fonts, images and sound. A
// headless broker never loads them, so their X11, freetype and ALSA dependencies are not
// copied into the image (they would add about 15 MB).
var desktopNatives = map[string]bool{
	"libawt.so": true, "libawt_xawt.so": true, "libawt_headless.so": true, "libfontmanager.so": true,
	"libjawt.so": true, "libsplashscreen.so": true, "liblcms.so": true, "libjavajpeg.so": true,
	"libmlib_image.so": true, "libjsound.so": true,
}

// jlinkRuntime links a minimal Java runtime from the host JDK into dst. The result is
// cached in cacheRoot, keyed by the JDK and the module list.
func jlinkRuntime(ctx context.Context, cacheRoot, dst string) error {
	jlink, err := exec.LookPath("jlink")
	if err != nil {
		return fmt.Errorf("jlink not found: install a JDK 17+ (apt-get install openjdk-17-jdk-headless): %w", err)
	}
	if real, err := filepath.EvalSymlinks(jlink); err == nil {
		jlink = real
	}
	out, err := exec.CommandContext(ctx, jlink, "--version").Output()
	if err != nil {
		return fmt.Errorf("jlink --version: %w", err)
	}
	sum := sha256.Sum256([]byte(jlink + "\n" + string(out) + "\n" + strings.Join(jreModules, ",")))
	cached := filepath.Join(cacheRoot, ".jre-"+hex.EncodeToString(sum[:6]))
	if _, err := os.Stat(filepath.Join(cached, "bin", "java")); err != nil {
		tmp := cached + ".tmp"
		_ = os.RemoveAll(tmp)
		cmd := exec.CommandContext(ctx, jlink, "--add-modules", strings.Join(jreModules, ","),
			"--strip-debug", "--no-man-pages", "--no-header-files", "--compress=2",
			"--generate-cds-archive", "--output", tmp)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("jlink: %w\n%s", err, b)
		}
		_ = os.RemoveAll(cached)
		if err := os.Rename(tmp, cached); err != nil {
			return fmt.Errorf("jlink: %w", err)
		}
	}
	return copyTree(cached, dst)
}

// stageSharedLibs copies into rootfs, at their absolute paths, the shared libraries (and
// the dynamic loader) that the runtime in java and the Linux x86-64 native libraries inside
// jars need.
func stageSharedLibs(ctx context.Context, rootfs, java string, jars []string) error {
	var objects []string
	err := filepath.WalkDir(java, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !desktopNatives[d.Name()] && (strings.HasSuffix(p, ".so") || filepath.Base(filepath.Dir(p)) == "bin") {
			objects = append(objects, p)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("list runtime: %w", err)
	}
	natives, err := os.MkdirTemp("", "dashstream-natives-")
	if err != nil {
		return fmt.Errorf("natives: %w", err)
	}
	defer os.RemoveAll(natives)
	for _, j := range jars {
		extracted, err := extractNatives(j, natives)
		if err != nil {
			return err
		}
		objects = append(objects, extracted...)
	}
	inRuntime := map[string]bool{}
	for _, o := range objects {
		inRuntime[filepath.Base(o)] = true
	}
	libs, err := neededLibs(ctx, objects, inRuntime)
	if err != nil {
		return err
	}
	needed := map[string]bool{}
	for l := range libs {
		if !strings.HasPrefix(l, java) {
			needed[l] = true
		}
	}
	if len(needed) == 0 {
		return fmt.Errorf("ldd found no shared libraries for the Java runtime: is ldd installed?")
	}
	for l := range needed {
		if err := copyFile(l, filepath.Join(rootfs, l), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// parseLdd returns the absolute paths of the libraries in ldd's output and the names of
// those it could not find. The vDSO has no file and is left out.
func parseLdd(out []byte) (libs, missing []string) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 3 && f[1] == "=>" && f[2] == "not":
			missing = append(missing, f[0])
		case len(f) >= 3 && f[1] == "=>" && strings.HasPrefix(f[2], "/"):
			libs = append(libs, f[2])
		case len(f) >= 1 && strings.HasPrefix(f[0], "/"):
			libs = append(libs, f[0])
		}
	}
	sort.Strings(libs)
	return libs, missing
}

// extractNatives writes the Linux x86-64 shared objects inside jar into dir and returns
// their paths.
func extractNatives(jar, dir string) ([]string, error) {
	zr, err := zip.OpenReader(jar)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", jar, err)
	}
	defer zr.Close()
	var out []string
	for i, f := range zr.File {
		if !isLinuxAmd64Native(f.Name) {
			continue
		}
		dst := filepath.Join(dir, fmt.Sprintf("%s-%d-%s", filepath.Base(jar), i, filepath.Base(f.Name)))
		if err := extract(f, dst); err != nil {
			return nil, err
		}
		out = append(out, dst)
	}
	return out, nil
}

// isLinuxAmd64Native reports whether a jar entry is a shared object for Linux on x86-64
// ("linux/amd64/libzstd-jni.so", "org/xerial/snappy/native/Linux/x86_64/libsnappyjava.so").
func isLinuxAmd64Native(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".so") && strings.Contains(n, "linux/") &&
		(strings.Contains(n, "/amd64/") || strings.Contains(n, "/x86_64/")) && !strings.Contains(n, "musl")
}

func extract(f *zip.File, dst string) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("extract %s: %w", f.Name, err)
	}
	defer rc.Close()
	w, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("extract %s: %w", f.Name, err)
	}
	if _, err := io.Copy(w, rc); err != nil {
		w.Close()
		return fmt.Errorf("extract %s: %w", f.Name, err)
	}
	return w.Close()
}

// requireStatic fails unless path is a statically linked ELF executable (no interpreter),
// which is what a FROM scratch image can run.
func requireStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("inspect %s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked: rebuild it with CGO_ENABLED=0 so it runs in a scratch image", path)
		}
	}
	return nil
}
