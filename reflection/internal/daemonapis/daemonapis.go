// Package daemonapis links the Go code that the daemons' own modules
// generate for their APIs (containerd, the CRI, CSI, the kubelet's plugin
// APIs) and writes their descriptors as the protosets sockscope embeds
// (reflection/schemas). Only its test imports it: linked into sockscope,
// these packages would build every descriptor at start-up, for every
// command, while a daemon's schema is needed only when one is talked to.
package daemonapis

import (
	"fmt"
	"sort"
	"strings"

	csi "github.com/container-storage-interface/spec/lib/go/csi"
	ctrevents "github.com/containerd/containerd/api/events"
	ctrcontainers "github.com/containerd/containerd/api/services/containers/v1"
	ctrcontent "github.com/containerd/containerd/api/services/content/v1"
	ctrdiff "github.com/containerd/containerd/api/services/diff/v1"
	ctreventsvc "github.com/containerd/containerd/api/services/events/v1"
	ctrimages "github.com/containerd/containerd/api/services/images/v1"
	ctrintrospection "github.com/containerd/containerd/api/services/introspection/v1"
	ctrleases "github.com/containerd/containerd/api/services/leases/v1"
	ctrmounts "github.com/containerd/containerd/api/services/mounts/v1"
	ctrnamespaces "github.com/containerd/containerd/api/services/namespaces/v1"
	ctrsandbox "github.com/containerd/containerd/api/services/sandbox/v1"
	ctrsnapshots "github.com/containerd/containerd/api/services/snapshots/v1"
	ctrstreaming "github.com/containerd/containerd/api/services/streaming/v1"
	ctrtasks "github.com/containerd/containerd/api/services/tasks/v1"
	ctrtransfer "github.com/containerd/containerd/api/services/transfer/v1"
	ctrversion "github.com/containerd/containerd/api/services/version/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
	deviceplugin "k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1"
	dra "k8s.io/kubelet/pkg/apis/dra/v1"
	pluginregistration "k8s.io/kubelet/pkg/apis/pluginregistration/v1"
	podresources "k8s.io/kubelet/pkg/apis/podresources/v1"

	"sockscope/reflection"
)

// Roots are, for each built-in schema by name, the files it needs: those
// holding its services and, for containerd, its event payloads, so that
// Events/Subscribe replies decode. Their imports come along.
var Roots = map[string][]protoreflect.FileDescriptor{
	"containerd": {
		ctrcontainers.File_services_containers_v1_containers_proto,
		ctrcontent.File_services_content_v1_content_proto,
		ctrdiff.File_services_diff_v1_diff_proto,
		ctreventsvc.File_services_events_v1_events_proto,
		ctrimages.File_services_images_v1_images_proto,
		ctrintrospection.File_services_introspection_v1_introspection_proto,
		ctrleases.File_services_leases_v1_leases_proto,
		ctrmounts.File_services_mounts_v1_mounts_proto,
		ctrnamespaces.File_services_namespaces_v1_namespace_proto,
		ctrsandbox.File_services_sandbox_v1_sandbox_proto,
		ctrsnapshots.File_services_snapshots_v1_snapshots_proto,
		ctrstreaming.File_services_streaming_v1_streaming_proto,
		ctrtasks.File_services_tasks_v1_tasks_proto,
		ctrtransfer.File_services_transfer_v1_transfer_proto,
		ctrversion.File_services_version_v1_version_proto,
		ctrevents.File_events_container_proto,
		ctrevents.File_events_content_proto,
		ctrevents.File_events_image_proto,
		ctrevents.File_events_namespace_proto,
		ctrevents.File_events_sandbox_proto,
		ctrevents.File_events_snapshot_proto,
		ctrevents.File_events_task_proto,
		// containerd serves the CRI on the same socket when its cri plugin runs.
		cri.File_staging_src_k8s_io_cri_api_pkg_apis_runtime_v1_api_proto,
	},
	"cri":                         {cri.File_staging_src_k8s_io_cri_api_pkg_apis_runtime_v1_api_proto},
	"csi":                         {csi.File_csi_proto},
	"kubelet-pod-resources":       {podresources.File_staging_src_k8s_io_kubelet_pkg_apis_podresources_v1_api_proto},
	"kubelet-device-plugin":       {deviceplugin.File_staging_src_k8s_io_kubelet_pkg_apis_deviceplugin_v1beta1_api_proto},
	"kubelet-plugin-registration": {pluginregistration.File_staging_src_k8s_io_kubelet_pkg_apis_pluginregistration_v1_api_proto},
	"kubelet-dra":                 {dra.File_staging_src_k8s_io_kubelet_pkg_apis_dra_v1_api_proto},
}

// Names are Roots' keys, sorted.
func Names() []string {
	names := make([]string, 0, len(Roots))
	for name := range Roots {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Protoset is the named schema's files and everything they import, each
// after its imports, as a FileDescriptorSet in deterministic wire form. The
// well-known files (google/protobuf/...) are left out: every sockscope
// binary links them already.
func Protoset(name string) ([]byte, error) {
	roots, ok := Roots[name]
	if !ok {
		return nil, fmt.Errorf("no daemon API %q", name)
	}
	set := reflection.FileSet(roots, func(path string) bool { return !strings.HasPrefix(path, "google/protobuf/") })
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("daemon API %s: %w", name, err)
	}
	return b, nil
}
