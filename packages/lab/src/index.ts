// Entry `kalloc-lab`: the lab as a library, for scripts that run scenarios or replays themselves.
export { scenarios, findScenario } from './scenarios/index.ts';
export { main } from './cli/main.ts';
