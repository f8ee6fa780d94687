package snapshot

// The snapshot is Iglu Central at the commit the shared test data was taken from
// (see ../shared/testdata/README.md); rerun after updating that copy.
//go:generate go run ./internal/gen -src ../../../../shared/testdata/iglu-central -out iglu-central.tar.zst -commit cbac22ed -date 2026-04-23
