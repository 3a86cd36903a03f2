import '@testing-library/jest-dom';

// the CI machines are shared: give user-event driven dialogs room
jest.setTimeout(30_000);
