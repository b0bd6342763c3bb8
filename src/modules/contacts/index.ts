export { createContactsService, type ContactsService } from './contacts.service';
