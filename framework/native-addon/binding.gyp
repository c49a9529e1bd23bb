{
  "targets": [
    {
      "target_name": "fer_dnnl",
      "sources": ["src/addon.cc", "src/conv.cc", "src/batch-norm.cc", "src/elementwise.cc", "src/broadcast.cc", "src/attention.cc", "src/pooling.cc"],
      # oneDNN picks the instruction set at run time: no -march=native, so a build runs on any x86-64.
      # -fno-math-errno: nothing reads errno, and without it GCC will not vectorise loops with sqrt/exp (Adam).
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions", "-fopenmp", "-fno-math-errno"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
