/**
 * Where the memory plans used to live. The planner and the serving plans are in
 * memory-plan.ts, training's layout in train/layout.ts; this file only re-exports them for
 * importers not yet moved (train/als.ts, model/*, data/*, tests, bench/capacity.ts).
 */
export * from './memory-plan.js';
export { type Layout, type LayoutInput, planLayout, type SideLayout } from '../train/layout.js';
