{
  # kmirror's N-API addon. It links the librdkafka that node-rdkafka builds (one librdkafka in the
  # process, with the same features: zstd, SSL, SASL) and finds it again at run time by rpath.
  "variables": {
    "rdkafka_deps": "<!(node -p \"require('path').join(require('path').dirname(require.resolve('node-rdkafka/package.json')), 'build', 'deps')\")"
  },
  "targets": [
    {
      "target_name": "kmirror_native",
      "sources": [
        "src/addon.cc",
        "src/client-config.cc",
        "src/shard/shard.cc",
        "src/shard/partition.cc",
        "src/shard/positions.cc",
        "src/shard/offset-sync-writer.cc",
        "src/shard/testing.cc",
        "src/admin.cc",
        "src/record-producer.cc",
        "src/record-reader.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "libraries": [
        "-L<(rdkafka_deps)",
        "-lrdkafka",
        "-Wl,-rpath,<(rdkafka_deps)"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-isystem<(rdkafka_deps)/include", "-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror"]
    }
  ]
}
