// Command server is the whole-process benchmark's results service: it
// serves two generated files on loopback at the results path of every batch,
// GET /batches/{id}/results (the CSV file; format=json selects the JSON
// file), with http.ServeContent on the *os.File, so that the kernel sends
// them (sendfile) and the server costs the clients as little as possible.
// Credentials and the batch id are ignored. It prints its base URL on a line
// of its own, then serves until its standard input ends.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	csvPath := flag.String("csv", "", "the CSV results file")
	jsonPath := flag.String("json", "", "the JSON results file")
	flag.Parse()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /batches/{id}/results", func(w http.ResponseWriter, r *http.Request) {
		path, ctype := *csvPath, "text/csv"
		if r.URL.Query().Get("format") == "json" {
			path, ctype = *jsonPath, "application/json"
		}
		f, err := os.Open(path)
		if err != nil {
			http.Error(w, `{"error":"NOT_FOUND"}`, http.StatusNotFound)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ctype)
		http.ServeContent(w, r, "", fi.ModTime(), f)
	})
	fmt.Printf("http://%s\n", ln.Addr())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	log.Fatal(http.Serve(ln, mux))
}
