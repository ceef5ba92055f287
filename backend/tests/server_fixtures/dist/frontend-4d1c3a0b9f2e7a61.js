// Stands in for wasm-bindgen's loader: fetches and instantiates the module
// (which needs 'wasm-unsafe-eval'), then marks the page.
export default async function init({ module_or_path }) {
  const bytes = await (await fetch(module_or_path)).arrayBuffer();
  await WebAssembly.instantiate(bytes);
  const mark = document.createElement("p");
  mark.id = "started";
  mark.textContent = "wasm instantiated";
  document.body.append(mark);
  return {};
}
