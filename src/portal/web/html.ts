/** htm bound to Preact's `h`: tagged-template views with no build-time JSX. */
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
