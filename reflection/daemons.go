package reflection

import (
	"embed"
	"fmt"
	"sync"
)

//go:generate go test ./internal/daemonapis -run TestProtosetsAreCurrent -update

// builtinProtosets hold the daemon APIs' descriptors, written by
// internal/daemonapis from the Go modules that publish them. Embedded bytes
// cost nothing until a schema is used; the modules' generated packages, if
// linked, would build all their descriptors at every start.
//
//go:embed schemas/*.protoset
var builtinProtosets embed.FS

// daemonSchemas are the APIs of daemons that serve no reflection, in the
// order they are tried.
var daemonSchemas = []Schema{
	{
		Name:           "containerd",
		Description:    "containerd's API (containers, images, tasks, snapshots, events, …) and the CRI it also serves",
		Origin:         OriginBuiltIn,
		socketPatterns: []string{"containerd.sock", "containerd/"},
		probe:          "/containerd.services.version.v1.Version/Version",
		set:            embeddedSet("containerd"),
		served:         containerdServed,
	},
	{
		Name:           "cri",
		Description:    "the Kubernetes Container Runtime Interface (runtime.v1), as CRI-O and cri-dockerd serve it",
		Origin:         OriginBuiltIn,
		socketPatterns: []string{"crio.sock", "cri-dockerd.sock", "crio/"},
		probe:          "/runtime.v1.RuntimeService/Version",
		set:            embeddedSet("cri"),
	},
	{
		Name:           "csi",
		Description:    "a Container Storage Interface driver (csi.v1 Identity, Controller, Node)",
		Origin:         OriginBuiltIn,
		socketPatterns: []string{"csi.sock"},
		probe:          "/csi.v1.Identity/GetPluginInfo",
		set:            embeddedSet("csi"),
	},
	{
		Name:           "kubelet-pod-resources",
		Description:    "the kubelet's pod resources API (v1), on its pod-resources socket",
		Origin:         OriginBuiltIn,
		socketPatterns: []string{"pod-resources/"},
		probe:          "/v1.PodResourcesLister/List",
		set:            embeddedSet("kubelet-pod-resources"),
	},
	{
		Name:           "kubelet-device-plugin",
		Description:    "a kubelet device plugin (v1beta1), or the kubelet's own registration socket beside them",
		Origin:         OriginBuiltIn,
		socketPatterns: []string{"device-plugins/"},
		probe:          "/v1beta1.DevicePlugin/GetDevicePluginOptions",
		set:            embeddedSet("kubelet-device-plugin"),
	},
	{
		Name:           "kubelet-plugin-registration",
		Description:    "a kubelet plugin's registration socket (pluginregistration), as CSI and DRA drivers serve it",
		Origin:         OriginBuiltIn,
		socketPatterns: []string{"plugins_registry/", "*-reg.sock"},
		probe:          "/pluginregistration.Registration/GetInfo",
		set:            embeddedSet("kubelet-plugin-registration"),
	},
	{
		// DRA has no read-only method to ask, so it is chosen by name only.
		Name:           "kubelet-dra",
		Description:    "a Dynamic Resource Allocation driver (k8s.io.kubelet.pkg.apis.dra.v1)",
		Origin:         OriginBuiltIn,
		socketPatterns: []string{"dra.sock"},
		set:            embeddedSet("kubelet-dra"),
	},
}

// embeddedSet reads the named protoset from builtinProtosets once, when
// the schema is first used; its files are built as they are looked up.
func embeddedSet(name string) func() (*lazySet, error) {
	return sync.OnceValues(func() (*lazySet, error) {
		b, err := builtinProtosets.ReadFile("schemas/" + name + ".protoset")
		if err != nil {
			return nil, err
		}
		set, err := newLazySet(b)
		if err != nil {
			return nil, fmt.Errorf("built-in %s.protoset: %w", name, err)
		}
		return set, nil
	})
}
