// Column sums. Constants: ROWS, COLS (u32).

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

// x is [ROWS, COLS]; out[c] = Σ_r x[r, c]. One thread per column: neighbouring threads read neighbouring
// addresses on every row.
@compute @workgroup_size(64)
fn sum_rows(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= COLS) { return; }
  var s = 0.0;
  for (var r = 0u; r < ROWS; r++) { s += x[r * COLS + c]; }
  out[c] = s;
}
