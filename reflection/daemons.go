//go:build !sockscope_nodaemons

package reflection

import (
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
	"google.golang.org/protobuf/reflect/protoreflect"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
	deviceplugin "k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1"
	dra "k8s.io/kubelet/pkg/apis/dra/v1"
	pluginregistration "k8s.io/kubelet/pkg/apis/pluginregistration/v1"
	podresources "k8s.io/kubelet/pkg/apis/podresources/v1"
)

// daemonSchemas are the APIs of daemons that serve no reflection, in the
// order they are tried. Building with the sockscope_nodaemons tag leaves
// them out (and their modules' weight in the binary).
var daemonSchemas = []Schema{
	{
		Name:           "containerd",
		Description:    "containerd's API (containers, images, tasks, snapshots, events, …) and the CRI it also serves",
		Origin:         OriginBuiltIn,
		socketPatterns: []string{"containerd.sock", "containerd/"},
		probe:          "/containerd.services.version.v1.Version/Version",
		files: fileList(
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
			// Event payloads, so Events/Subscribe replies decode.
			ctrevents.File_events_container_proto,
			ctrevents.File_events_content_proto,
			ctrevents.File_events_image_proto,
			ctrevents.File_events_namespace_proto,
			ctrevents.File_events_sandbox_proto,
			ctrevents.File_events_snapshot_proto,
			ctrevents.File_events_task_proto,
			// containerd serves the CRI on the same socket when its cri plugin runs.
			cri.File_staging_src_k8s_io_cri_api_pkg_apis_runtime_v1_api_proto,
		),
	},
	{
		Name:           "cri",
		Description:    "the Kubernetes Container Runtime Interface (runtime.v1), as CRI-O and cri-dockerd serve it",
		Origin:         OriginBuiltIn,
		socketPatterns: []string{"crio.sock", "cri-dockerd.sock", "crio/"},
		probe:          "/runtime.v1.RuntimeService/Version",
		files:          fileList(cri.File_staging_src_k8s_io_cri_api_pkg_apis_runtime_v1_api_proto),
	},
	{
		Name:           "csi",
		Description:    "a Container Storage Interface driver (csi.v1 Identity, Controller, Node)",
		Origin:         OriginBuiltIn,
		socketPatterns: []string{"csi.sock"},
		probe:          "/csi.v1.Identity/GetPluginInfo",
		files:          fileList(csi.File_csi_proto),
	},
	{
		Name:           "kubelet-pod-resources",
		Description:    "the kubelet's pod resources API (v1), on its pod-resources socket",
		Origin:         OriginBuiltIn,
		socketPatterns: []string{"pod-resources/"},
		probe:          "/v1.PodResourcesLister/List",
		files:          fileList(podresources.File_staging_src_k8s_io_kubelet_pkg_apis_podresources_v1_api_proto),
	},
	{
		Name:           "kubelet-device-plugin",
		Description:    "a kubelet device plugin (v1beta1), or the kubelet's own registration socket beside them",
		Origin:         OriginBuiltIn,
		socketPatterns: []string{"device-plugins/"},
		probe:          "/v1beta1.DevicePlugin/GetDevicePluginOptions",
		files:          fileList(deviceplugin.File_staging_src_k8s_io_kubelet_pkg_apis_deviceplugin_v1beta1_api_proto),
	},
	{
		Name:           "kubelet-plugin-registration",
		Description:    "a kubelet plugin's registration socket (pluginregistration), as CSI and DRA drivers serve it",
		Origin:         OriginBuiltIn,
		socketPatterns: []string{"plugins_registry/", "*-reg.sock"},
		probe:          "/pluginregistration.Registration/GetInfo",
		files:          fileList(pluginregistration.File_staging_src_k8s_io_kubelet_pkg_apis_pluginregistration_v1_api_proto),
	},
	{
		// DRA has no read-only method to ask, so it is chosen by name only.
		Name:           "kubelet-dra",
		Description:    "a Dynamic Resource Allocation driver (k8s.io.kubelet.pkg.apis.dra.v1)",
		Origin:         OriginBuiltIn,
		socketPatterns: []string{"dra.sock"},
		files:          fileList(dra.File_staging_src_k8s_io_kubelet_pkg_apis_dra_v1_api_proto),
	},
}

func fileList(files ...protoreflect.FileDescriptor) func() ([]protoreflect.FileDescriptor, error) {
	return func() ([]protoreflect.FileDescriptor, error) { return files, nil }
}
