package ui

import (
	"fmt"
	"strings"

	"sockscope/reflection"
)

// parseSchemaFiles reads what the ctrl+o input takes, words as on the
// command line: .proto files, protosets (a name ending in .protoset),
// and import paths after -I or --import-path. Blank text loads nothing,
// leaving reflection and the flags' files alone.
func parseSchemaFiles(text string) (reflection.Options, error) {
	var opts reflection.Options
	words := strings.Fields(text)
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "-I" || w == "--import-path" || w == "-import-path":
			if i+1 == len(words) {
				return opts, fmt.Errorf("schema: %s wants a directory after it", w)
			}
			i++
			opts.ImportPaths = append(opts.ImportPaths, words[i])
		case strings.HasPrefix(w, "--import-path="), strings.HasPrefix(w, "-I="):
			opts.ImportPaths = append(opts.ImportPaths, w[strings.IndexByte(w, '=')+1:])
		case strings.HasSuffix(w, ".protoset"):
			opts.Protosets = append(opts.Protosets, w)
		case strings.HasPrefix(w, "-"):
			return opts, fmt.Errorf("schema: %q is not a file; give .proto files, .protoset files and -I DIR", w)
		default:
			opts.ProtoFiles = append(opts.ProtoFiles, w)
		}
	}
	return opts, nil
}

// schemaFilesText writes opts back as the input takes them.
func schemaFilesText(opts reflection.Options) string {
	var words []string
	words = append(words, opts.ProtoFiles...)
	for _, dir := range opts.ImportPaths {
		words = append(words, "-I", dir)
	}
	words = append(words, opts.Protosets...)
	return strings.Join(words, " ")
}
