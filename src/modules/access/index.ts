export { createWhyService, type WhyService, type Explanation, EXPLAINABLE_TYPES, type ExplainableType } from './why.service';
