/** Whether components colour their text (NO_COLOR / FORCE_COLOR, decided once by the caller). */
import { createContext, useContext } from 'react';

/** Provided by the App; true unless colour is off. */
export const ColorsContext = createContext(true);

/** True when tones should become colours. */
export function useColors(): boolean {
  return useContext(ColorsContext);
}
