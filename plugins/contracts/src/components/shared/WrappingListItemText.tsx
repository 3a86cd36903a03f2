import ListItemText, { ListItemTextProps } from '@material-ui/core/ListItemText';
import { makeStyles } from '@material-ui/core/styles';

const useStyles = makeStyles({
  // Backstage's theme cuts dense list texts to one line; a contract line or a problem message
  // must be read whole, so it wraps (long refs and paths anywhere).
  root: {
    whiteSpace: 'normal',
    overflowWrap: 'anywhere',
  },
});

/** A `ListItemText` whose texts wrap, also in a dense list. */
export const WrappingListItemText = ({
  className,
  ...props
}: ListItemTextProps) => {
  const classes = useStyles();
  // A class the caller gives is kept beside ours, not replaced by it.
  return (
    <ListItemText
      {...props}
      className={className ? `${classes.root} ${className}` : classes.root}
    />
  );
};
