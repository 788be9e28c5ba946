// match.cjs JOBS.json: XGrammar's own matcher (the wasm build,
// @mlc-ai/web-xgrammar, lib/index.js at $SPECPLAN_WEB_XGRAMMAR) compiles
// each job's structural tag (or EBNF grammar: XGrammar's GGML-BNF, what
// vLLM's grammar and SGLang's ebnf fields take) and says, per text,
// whether it accepts the whole text followed by the stop token. JOBS.json
// is [{"tag": {...} | "ebnf": "...", "texts": ["...", ...]}, ...]; the
// output is
// [{"error": "..."} | {"verdicts": [true, ...]}, ...]: a tag XGrammar
// refuses is that job's error.
//
// The vocabulary is one token per ASCII character plus "</s>", so that
// every text is tokenized one way and the verdict is the grammar's alone.
const fs = require("fs");
const path = require("path");
const Module = require("module");

function load(file) {
  // The package is a UMD bundle under "type": "module"; compile it as
  // CommonJS explicitly.
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  m._compile(fs.readFileSync(file, "utf8"), file);
  return m.exports;
}

(async () => {
  const xgr = load(process.env.SPECPLAN_WEB_XGRAMMAR);
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const vocab = [];
  for (let i = 0; i < 128; i++) vocab.push(String.fromCharCode(i));
  vocab.push("</s>");
  const stop = vocab.length - 1;
  const ti = await xgr.TokenizerInfo.createTokenizerInfo(vocab, "raw", false, vocab.length, [stop]);
  const gc = await xgr.GrammarCompiler.createGrammarCompiler(ti);
  const out = [];
  for (const job of jobs) {
    let cg;
    try {
      cg = job.ebnf !== undefined
        ? await gc.compileGrammar(job.ebnf)
        : await gc.compileGrammar(await xgr.Grammar.fromStructuralTag(JSON.stringify(job.tag)));
    } catch (e) {
      out.push({ error: String(e) });
      continue;
    }
    const verdicts = [];
    for (const t of job.texts) {
      const m = await xgr.GrammarMatcher.createGrammarMatcher(cg);
      let ok = m._acceptString(t);
      if (ok) ok = m.acceptToken(stop);
      verdicts.push(ok);
      m.dispose();
    }
    out.push({ verdicts });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  console.error(String(e));
  process.exit(1);
});
