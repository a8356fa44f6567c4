// Three AdamW steps on two parameter tensors of a tiny model: a 2x3 weight
// (decayed) and a bias of 3 (weight_decay = 0, as biases usually are). The
// step function uses the tensor form; main prints the parameters before and
// after. Run with:
//   optim-runner examples/adamw.mlir -e main -entry-point-result=void \
//     -shared-libs=/usr/lib/llvm-22/lib/libmlir_runner_utils.so

func.func private @printMemrefF32(tensor<*xf32>)

// One optimizer step for the whole model.
func.func @step(%w: tensor<2x3xf32>, %gw: tensor<2x3xf32>,
                %mw: tensor<2x3xf32>, %vw: tensor<2x3xf32>,
                %b: tensor<3xf32>, %gb: tensor<3xf32>,
                %mb: tensor<3xf32>, %vb: tensor<3xf32>, %t: i64, %lr: f32)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>,
        tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %w1, %mw1, %vw1 = optim.adamw_step %w, %gw, %mw, %vw, step %t, lr %lr
      {weight_decay = 0.1 : f64} : tensor<2x3xf32>
  %b1, %mb1, %vb1 = optim.adamw_step %b, %gb, %mb, %vb, step %t, lr %lr
      {weight_decay = 0.0 : f64} : tensor<3xf32>
  return %w1, %mw1, %vw1, %b1, %mb1, %vb1
      : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>,
        tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

func.func @main() {
  %w0c = arith.constant dense<[[0.5, -1.0, 2.0], [0.0, 1.5, -0.25]]> : tensor<2x3xf32>
  %gw = arith.constant dense<[[0.1, -0.2, 0.3], [0.0, 1.0, -1.0]]> : tensor<2x3xf32>
  %b0c = arith.constant dense<[0.1, 0.2, 0.3]> : tensor<3xf32>
  %gb = arith.constant dense<[1.0, 0.0, -0.5]> : tensor<3xf32>
  %zw = arith.constant dense<0.0> : tensor<2x3xf32>
  %zb = arith.constant dense<0.0> : tensor<3xf32>
  %lr = arith.constant 0.01 : f32
  // The parameters live in writable buffers that the steps update in place.
  %w0 = bufferization.alloc_tensor() copy(%w0c) : tensor<2x3xf32>
  %b0 = bufferization.alloc_tensor() copy(%b0c) : tensor<3xf32>

  %w0u = tensor.cast %w0c : tensor<2x3xf32> to tensor<*xf32>
  %b0u = tensor.cast %b0c : tensor<3xf32> to tensor<*xf32>
  call @printMemrefF32(%w0u) : (tensor<*xf32>) -> ()
  call @printMemrefF32(%b0u) : (tensor<*xf32>) -> ()

  %c1 = arith.constant 1 : i64
  %c4 = arith.constant 4 : i64
  %r:6 = scf.for %t = %c1 to %c4 step %c1
      iter_args(%w = %w0, %mw = %zw, %vw = %zw, %b = %b0, %mb = %zb, %vb = %zb)
      -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>,
          tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) : i64 {
    %n:6 = func.call @step(%w, %gw, %mw, %vw, %b, %gb, %mb, %vb, %t, %lr)
        : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>,
           tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, i64, f32)
        -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>,
            tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
    scf.yield %n#0, %n#1, %n#2, %n#3, %n#4, %n#5
        : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>,
          tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  }

  %w3u = tensor.cast %r#0 : tensor<2x3xf32> to tensor<*xf32>
  %b3u = tensor.cast %r#3 : tensor<3xf32> to tensor<*xf32>
  call @printMemrefF32(%w3u) : (tensor<*xf32>) -> ()
  call @printMemrefF32(%b3u) : (tensor<*xf32>) -> ()
  return
}
