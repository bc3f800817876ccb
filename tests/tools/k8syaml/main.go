// Command k8syaml converts a YAML file to JSON the way kubectl does.
//
// It is a test oracle for flink-gitops: the C YAML loader is compared
// against it. It is not part of the agent and is never shipped.
//
// Usage:
//
//	k8syaml [-strict] FILE
//
// For each document that kubectl would keep, one line is printed:
//
//	{"doc":N,"json":VALUE}
//
// N counts the kept documents from 0. VALUE is the JSON kubectl builds,
// compacted onto one line (key order and escapes as produced upstream).
// On the first error, after the documents before it, one line is printed,
//
//	{"error":"MESSAGE"}
//
// and the exit status is 1. Usage and I/O errors exit 2.
//
// Default mode is kubectl's own path for "kubectl apply -f FILE"
// (k8s.io/cli-runtime resource.FileVisitor and StreamVisitor, v0.36):
// a BOM-sniffing UTF-8 decoder over the file, then
// k8s.io/apimachinery/pkg/util/yaml.NewYAMLOrJSONDecoder(r, 4096) decoding
// each document into a runtime.RawExtension (for YAML that is
// sigs.k8s.io/yaml.Unmarshal, i.e. YAMLToJSON: duplicate keys are not
// rejected, the last one wins), then bytes.TrimSpace and skipping empty
// and "null" results. MESSAGE is kubectl's message without its
// "error parsing FILE: " prefix.
//
// With -strict the same decoder and splitter (yaml.NewYAMLReader) are used
// but each document is converted with sigs.k8s.io/yaml.YAMLToJSONStrict,
// so duplicate keys are errors. Conversion errors get the same
// "error converting YAML to JSON: " prefix as in default mode. Unlike
// default mode, -strict does not sniff for a JSON stream (input whose
// first non-space byte is '{'); such input is parsed as YAML.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// kubectl's StreamVisitor peeks this many bytes to guess a JSON stream.
const jsonSniffSize = 4096

// errSkip marks a document kubectl drops without an error.
var errSkip = errors.New("skip")

type docReader interface {
	// next returns the next document as JSON, errSkip, io.EOF or an error.
	next() ([]byte, error)
}

// kubectlReader is the default mode: cli-runtime's StreamVisitor.Visit.
type kubectlReader struct {
	d *utilyaml.YAMLOrJSONDecoder
}

func (k *kubectlReader) next() ([]byte, error) {
	ext := runtime.RawExtension{}
	if err := k.d.Decode(&ext); err != nil {
		return nil, err
	}
	return keep(ext.Raw)
}

// strictReader splits like kubectl and converts with YAMLToJSONStrict.
type strictReader struct {
	r *utilyaml.YAMLReader
}

func (s *strictReader) next() ([]byte, error) {
	chunk, err := s.r.Read()
	if err != nil {
		return nil, err
	}
	j, err := yaml.YAMLToJSONStrict(chunk)
	if err != nil {
		return nil, fmt.Errorf("error converting YAML to JSON: %w", err)
	}
	return keep(j)
}

// keep applies StreamVisitor's filter: trim, then drop empty and null.
func keep(raw []byte) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, errSkip
	}
	return raw, nil
}

func printJSONLine(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: k8syaml [-strict] FILE")
	os.Exit(2)
}

func main() {
	strict := flag.Bool("strict", false,
		"reject duplicate keys (sigs.k8s.io/yaml.YAMLToJSONStrict)")
	flag.Usage = usage
	flag.Parse()
	if flag.NArg() != 1 {
		usage()
	}

	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "k8syaml: %v\n", err)
		os.Exit(2)
	}
	defer f.Close()

	// As cli-runtime FileVisitor.Visit: honour a UTF-8/UTF-16 BOM and
	// replace invalid UTF-8 with U+FFFD.
	in := transform.NewReader(f, unicode.BOMOverride(unicode.UTF8.NewDecoder()))

	var docs docReader
	if *strict {
		docs = &strictReader{r: utilyaml.NewYAMLReader(bufio.NewReader(in))}
	} else {
		docs = &kubectlReader{d: utilyaml.NewYAMLOrJSONDecoder(in, jsonSniffSize)}
	}

	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	n := 0
	for {
		raw, err := docs.next()
		if err == io.EOF {
			return
		}
		if err == errSkip {
			continue
		}
		if err != nil {
			printJSONLine(out, map[string]string{"error": err.Error()})
			out.Flush()
			os.Exit(1)
		}
		var line bytes.Buffer
		if err := json.Compact(&line, raw); err != nil {
			printJSONLine(out, map[string]string{
				"error": "k8syaml: upstream produced invalid JSON: " + err.Error(),
			})
			out.Flush()
			os.Exit(1)
		}
		fmt.Fprintf(out, "{\"doc\":%d,\"json\":%s}\n", n, line.Bytes())
		n++
	}
}
