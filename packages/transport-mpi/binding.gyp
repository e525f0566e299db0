{
  "targets": [
    {
      "target_name": "futures_mpi",
      "sources": [
        "native/addon.cc",
        "native/channel_lifecycle.cc",
        "native/channels.cc",
        "native/collectives.cc",
        "native/completions.cc",
        "native/frame_pump.cc",
        "native/host_doubts.cc",
        "native/mpi_raii.cc",
        "native/peer_watch.cc",
        "native/pingpong.cc",
        "native/progress_thread.cc",
        "native/reachability.cc",
        "native/receiver.cc",
        "native/recv_pool.cc",
        "native/sender.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "OMPI_SKIP_MPICXX=1",
        "MPICH_SKIP_MPICXX=1"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "<!@(node scripts/mpi-flags.mjs cflags)"],
      "libraries": ["<!@(node scripts/mpi-flags.mjs libs)", "-ldl"]
    }
  ]
}
