export { createSavedViewsService, type SavedViewsService, type SavedView, SAVED_VIEW_TYPES } from './saved-views.service';
