package reflection

import (
	"fmt"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// lazySet is a protoset whose files are decoded and built, each with its
// imports, only when something in them is looked up: a call to one method
// of a large daemon API needs the one file that defines its service, not
// all of containerd's (with the CRI). Reading the set only splits it into
// files and notes each one's package and services. It is a protoresolve.DescriptorPool, safe
// for concurrent use.
type lazySet struct {
	order     []string          // the set's files, in its order
	raw       map[string][]byte // each file's FileDescriptorProto, encoded
	pkg       map[string]protoreflect.FullName
	byPackage map[protoreflect.FullName][]string
	svcNames  []string

	mu    sync.Mutex
	built *protoregistry.Files
}

// newLazySet reads a binary FileDescriptorSet. Imports the set does not
// hold may be well-known or google.rpc files, taken from the copies linked
// into sockscope.
func newLazySet(b []byte) (*lazySet, error) {
	l := &lazySet{
		raw:       map[string][]byte{},
		pkg:       map[string]protoreflect.FullName{},
		byPackage: map[protoreflect.FullName][]string{},
		built:     &protoregistry.Files{},
	}
	err := rangeFields(b, func(num protowire.Number, file []byte) error {
		if num != 1 { // FileDescriptorSet.file
			return nil
		}
		var path string
		var pkg protoreflect.FullName
		var services []string
		err := rangeFields(file, func(num protowire.Number, v []byte) error {
			switch num {
			case 1: // name
				path = string(v)
			case 2: // package
				pkg = protoreflect.FullName(v)
			case 6: // service
				return rangeFields(v, func(num protowire.Number, v []byte) error {
					if num == 1 { // ServiceDescriptorProto.name
						services = append(services, string(v))
					}
					return nil
				})
			}
			return nil
		})
		if err != nil {
			return err
		}
		if _, dup := l.raw[path]; dup {
			return fmt.Errorf("file %q appears twice", path)
		}
		l.order = append(l.order, path)
		l.raw[path], l.pkg[path] = file, pkg
		l.byPackage[pkg] = append(l.byPackage[pkg], path)
		for _, name := range services {
			if pkg != "" {
				name = string(pkg) + "." + name
			}
			l.svcNames = append(l.svcNames, name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("not a FileDescriptorSet: %w", err)
	}
	return l, nil
}

// rangeFields calls fn with each length-delimited field of the message in
// b, skipping the rest: enough to find files, names and packages without
// decoding whole descriptors.
func rangeFields(b []byte, fn func(protowire.Number, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if typ != protowire.BytesType {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		if err := fn(num, v); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// file builds path and what it imports, once.
func (l *lazySet) file(path string) (protoreflect.FileDescriptor, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buildLocked(path, "the set", map[string]bool{})
}

func (l *lazySet) buildLocked(path, importedBy string, building map[string]bool) (protoreflect.FileDescriptor, error) {
	if fd, err := l.built.FindFileByPath(path); err == nil {
		return fd, nil
	}
	resolver := withBuiltins{l.built}
	raw, ok := l.raw[path]
	if !ok {
		if fd, err := resolver.FindFileByPath(path); err == nil {
			return fd, nil
		}
		return nil, fmt.Errorf("%s imports %q, which the set does not hold", importedBy, path)
	}
	fdp := &descriptorpb.FileDescriptorProto{}
	if err := proto.Unmarshal(raw, fdp); err != nil {
		return nil, fmt.Errorf("file %q: %w", path, err)
	}
	if building[path] {
		return nil, fmt.Errorf("import cycle through %q", path)
	}
	building[path] = true
	for _, dep := range fdp.GetDependency() {
		if _, err := l.buildLocked(dep, path, building); err != nil {
			return nil, err
		}
	}
	fd, err := protodesc.NewFile(fdp, resolver)
	if err != nil {
		return nil, err
	}
	if err := l.built.RegisterFile(fd); err != nil {
		return nil, err
	}
	return fd, nil
}

// all builds every file, in the set's order.
func (l *lazySet) all() ([]protoreflect.FileDescriptor, error) {
	out := make([]protoreflect.FileDescriptor, 0, len(l.order))
	for _, path := range l.order {
		fd, err := l.file(path)
		if err != nil {
			return nil, err
		}
		out = append(out, fd)
	}
	return out, nil
}

// services names the set's services without decoding or building anything.
func (l *lazySet) services() []string { return append([]string(nil), l.svcNames...) }

func (l *lazySet) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	if _, ok := l.raw[path]; !ok {
		return nil, protoregistry.NotFound
	}
	return l.file(path)
}

// FindDescriptorByName builds the files of the package name is in (the
// longest package that is a prefix of it), then looks it up.
func (l *lazySet) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	for scope := name.Parent(); ; scope = scope.Parent() {
		if paths, ok := l.byPackage[scope]; ok {
			for _, path := range paths {
				if _, err := l.file(path); err != nil {
					return nil, err
				}
			}
			l.mu.Lock()
			d, err := l.built.FindDescriptorByName(name)
			l.mu.Unlock()
			if err == nil {
				return d, nil
			}
		}
		if scope == "" {
			return nil, protoregistry.NotFound
		}
	}
}

func (l *lazySet) NumFiles() int { return len(l.order) }

func (l *lazySet) RangeFiles(fn func(protoreflect.FileDescriptor) bool) {
	files, err := l.all()
	if err != nil {
		return
	}
	for _, fd := range files {
		if !fn(fd) {
			return
		}
	}
}

func (l *lazySet) NumFilesByPackage(pkg protoreflect.FullName) int {
	n := 0
	l.RangeFilesByPackage(pkg, func(protoreflect.FileDescriptor) bool { n++; return true })
	return n
}

func (l *lazySet) RangeFilesByPackage(pkg protoreflect.FullName, fn func(protoreflect.FileDescriptor) bool) {
	for _, path := range l.order {
		if l.pkg[path] != pkg {
			continue
		}
		fd, err := l.file(path)
		if err != nil || !fn(fd) {
			return
		}
	}
}
