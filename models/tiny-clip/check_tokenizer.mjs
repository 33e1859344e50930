// Checks that @huggingface/tokenizers, reading our tokenizer.json, gives the ids our Python BPE gave
// (fixtures/tokenizer_cases.json). Run from the repo root: node models/tiny-clip/check_tokenizer.mjs [DIR]
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Tokenizer } from "@huggingface/tokenizers";

const here = dirname(fileURLToPath(import.meta.url));
const modelDir = process.argv[2] ?? here;
const read = (path) => JSON.parse(readFileSync(path, "utf8"));
const tokenizer = new Tokenizer(read(join(modelDir, "tokenizer.json")), read(join(modelDir, "tokenizer_config.json")));
const cases = read(join(here, "fixtures", "tokenizer_cases.json"));

let failures = 0;
for (const { text, input_ids: expected } of cases) {
  const ids = tokenizer.encode(text).ids;
  if (ids.length !== expected.length || ids.some((id, i) => id !== expected[i])) {
    failures += 1;
    if (failures <= 5) console.error(`MISMATCH ${JSON.stringify(text)}\n  hf:     ${ids}\n  python: ${expected}`);
  }
}
console.log(`${cases.length - failures}/${cases.length} texts tokenized identically`);
process.exit(failures === 0 ? 0 : 1);
