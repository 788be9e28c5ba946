// match.cjs TAG.json TEXTS.json: XGrammar's own matcher (the wasm build,
// @mlc-ai/web-xgrammar, path in SPECPLAN_WEB_XGRAMMAR) compiles the
// structural tag and says, per text, whether it accepts the whole text
// followed by the stop token. Prints a JSON array of booleans; a tag
// XGrammar refuses is exit status 3 with its message.
//
// The vocabulary is one token per ASCII character plus "</s>", so that
// every text is tokenized one way and the verdict is the grammar's alone.
const fs = require("fs");
const Module = require("module");

function load(path) {
  // The package is a UMD bundle under "type": "module"; compile it as
  // CommonJS explicitly.
  const m = new Module(path, module);
  m.filename = path;
  m.paths = Module._nodeModulePaths(require("path").dirname(path));
  m._compile(fs.readFileSync(path, "utf8"), path);
  return m.exports;
}

(async () => {
  const xgr = load(process.env.SPECPLAN_WEB_XGRAMMAR);
  const tag = fs.readFileSync(process.argv[2], "utf8");
  const texts = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
  const vocab = [];
  for (let i = 0; i < 128; i++) vocab.push(String.fromCharCode(i));
  vocab.push("</s>");
  const stop = vocab.length - 1;
  const ti = await xgr.TokenizerInfo.createTokenizerInfo(vocab, "raw", false, vocab.length, [stop]);
  const gc = await xgr.GrammarCompiler.createGrammarCompiler(ti);
  let cg;
  try {
    cg = await gc.compileGrammar(await xgr.Grammar.fromStructuralTag(tag));
  } catch (e) {
    console.error(String(e));
    process.exit(3);
  }
  const out = [];
  for (const t of texts) {
    const m = await xgr.GrammarMatcher.createGrammarMatcher(cg);
    let ok = m._acceptString(t);
    if (ok) ok = m.acceptToken(stop);
    out.push(ok);
    m.dispose();
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  console.error(String(e));
  process.exit(1);
});
