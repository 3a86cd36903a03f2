export { ObservedValues } from './ObservedValues';
