package build

import (
	"bytes"
	"sort"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Bundle validates the tree, then normalises it deterministically: files
// sorted by path; in text files a UTF-8 BOM is dropped, CRLF becomes LF and a
// final newline is ensured. Inputs are not modified.
func Bundle(files []File, lim Limits) ([]File, error) {
	if err := Validate(files, lim); err != nil {
		return nil, err
	}
	out := make([]File, len(files))
	for i, f := range files {
		content := bytes.Clone(f.Content)
		if isText(f.Path) {
			content = bytes.TrimPrefix(content, utf8BOM)
			content = bytes.ReplaceAll(content, []byte("\r\n"), []byte("\n"))
			if len(content) > 0 && content[len(content)-1] != '\n' {
				content = append(content, '\n')
			}
		}
		out[i] = File{Path: f.Path, Content: content}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}
