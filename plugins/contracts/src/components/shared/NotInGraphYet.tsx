import Typography from '@material-ui/core/Typography';

/** Shown while the contracts backend has not read the entity from the catalog yet. */
export const NotInGraphYet = () => (
  <Typography variant="body2">
    The contracts backend has not read this entity from the catalog yet. This card updates by
    itself once it has.
  </Typography>
);
