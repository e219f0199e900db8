// Command image builds amrbench's container image without Docker: one
// layer holding the static binary (/amrbench), a CA bundle and a passwd
// with the non-root user 65532, every timestamp fixed, so the same binary
// gives the same image digest on every machine. It writes an OCI image
// layout, and pushes the image to a registry when asked; it prints the
// image's digest, which 'amrbench k8s-job --image' takes.
//
// scripts/image/build.sh builds the binary and runs this; see the README's
// "Many client machines" section.
package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// User is the image's user and group: non-root, as distroless images name
// it "nonroot".
const User = 65532

// options are the command's flags.
type options struct {
	binary, caBundle, out, push, version, arch string
	epoch                                      int64
}

func main() {
	var o options
	flag.StringVar(&o.binary, "binary", "", "the static amrbench binary (CGO_ENABLED=0)")
	flag.StringVar(&o.caBundle, "ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "PEM bundle of the CAs the image trusts")
	flag.StringVar(&o.out, "out", "", "directory to write the OCI image layout to (created; must not exist)")
	flag.StringVar(&o.push, "push", "", "also push to this repository (e.g. myregistry.azurecr.io/amrbench), with the credentials of docker login or az acr login")
	flag.StringVar(&o.version, "version", "dev", "the image's version label")
	flag.StringVar(&o.arch, "arch", "amd64", "the binary's architecture")
	flag.Int64Var(&o.epoch, "epoch", 0, "every timestamp, in seconds since 1970 (SOURCE_DATE_EPOCH)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintf(os.Stderr, "image: %v\n", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.binary == "" || o.out == "" {
		return errors.New("give --binary and --out")
	}
	img, err := Build(o.binary, o.caBundle, o.version, o.arch, time.Unix(o.epoch, 0).UTC())
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	if err := WriteLayout(o.out, img, "amrbench:"+o.version); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "image: wrote %s\n", o.out)
	ref := "amrbench@" + digest.String()
	if o.push != "" {
		repo, err := name.NewRepository(o.push)
		if err != nil {
			return fmt.Errorf("--push %s: %w", o.push, err)
		}
		d := repo.Digest(digest.String())
		if err := remote.Write(d, img, remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
			return fmt.Errorf("push %s: %w", d, err)
		}
		ref = d.String()
	}
	fmt.Println(ref)
	return nil
}

// Build returns the image: one layer, a config naming the user, the
// entrypoint and the labels, every time at epoch.
func Build(binary, caBundle, version, arch string, epoch time.Time) (v1.Image, error) {
	bin, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(bin, []byte("\x7fELF")) {
		return nil, fmt.Errorf("%s is not a Linux binary", binary)
	}
	ca, err := os.ReadFile(caBundle)
	if err != nil {
		return nil, fmt.Errorf("CA bundle: %w", err)
	}
	uid := strconv.Itoa(User)
	files := []entry{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/group", mode: 0o644, body: []byte("root:x:0:\nnonroot:x:" + uid + ":\n")},
		{name: "etc/passwd", mode: 0o644, body: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:" + uid + ":" + uid + ":nonroot:/home/nonroot:/sbin/nologin\n")},
		{name: "etc/ssl/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, body: ca},
		{name: "home/", mode: 0o755, dir: true},
		{name: "home/nonroot/", mode: 0o700, dir: true, owner: User},
		{name: "tmp/", mode: 0o1777, dir: true},
		{name: "amrbench", mode: 0o755, body: bin},
	}
	layerTar, err := layerTarball(files, epoch)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{
		Layer: layer,
		History: v1.History{
			Created:   v1.Time{Time: epoch},
			CreatedBy: "scripts/image: amrbench " + version,
			Comment:   "static binary, CA bundle, passwd",
		},
	})
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.Created = v1.Time{Time: epoch}
	cfg.Architecture, cfg.OS = arch, "linux"
	cfg.Config.User = uid + ":" + uid
	cfg.Config.Entrypoint = []string{"/amrbench"}
	cfg.Config.Cmd = []string{"--help"}
	cfg.Config.WorkingDir = "/home/nonroot"
	cfg.Config.Env = []string{"PATH=/", "HOME=/home/nonroot", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"}
	cfg.Config.Labels = map[string]string{
		"org.opencontainers.image.title":   "amrbench",
		"org.opencontainers.image.version": version,
	}
	return mutate.ConfigFile(img, cfg)
}

// entry is a file or directory of the layer.
type entry struct {
	name  string
	mode  int64
	dir   bool
	body  []byte
	owner int
}

// layerTarball writes the entries, in name order, owned by root (or their
// owner), with every time at epoch and no user or group names: the same
// input gives the same bytes.
func layerTarball(files []entry, epoch time.Time) ([]byte, error) {
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		h := &tar.Header{
			Name: f.name, Mode: f.mode, Uid: f.owner, Gid: f.owner,
			ModTime: epoch, Format: tar.FormatUSTAR,
		}
		if f.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteLayout writes img as the only image of a new OCI layout at dir,
// named ref.
func WriteLayout(dir string, img v1.Image, ref string) error {
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("%s exists: give a new directory", dir)
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref}))
}
