import type { HeapParams, HeapViews, Layout } from './layout.ts';
import type { PageBuddy } from './page-buddy.ts';
import type { SizeClasses } from './size-classes.ts';

/** Everything check() and stats() read; one per attached instance. */
export interface HeapContext {
  params: HeapParams;
  layout: Layout;
  classes: SizeClasses;
  views: HeapViews;
  buddy: PageBuddy;
}
