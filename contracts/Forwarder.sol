// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title Forwarder
/// @notice A deposit address that can only ever pay one address: its payout. Each forwarder is an
/// EIP-1167 clone of this contract whose immutable argument is the payout (OpenZeppelin Clones
/// with immutable args), so the payout is part of the clone's init code and therefore of its
/// CREATE2 address: a forwarder with another payout cannot exist at that address. There is no
/// owner, no initializer and no storage; anyone may call `flush`, as the money can go nowhere else.
contract Forwarder {
    using SafeERC20 for IERC20;

    /// @dev The implementation itself has no payout argument; calling it directly is refused.
    address private immutable self = address(this);

    event Flushed(address indexed token, address indexed payout, uint256 amount);
    event FlushFailed(address indexed token);

    error NotAClone();

    /// @notice The only address this forwarder ever sends to (the 20 bytes of its clone argument).
    function payout() public view returns (address) {
        if (address(this) == self) revert NotAClone();
        return address(bytes20(Clones.fetchCloneArgs(address(this))));
    }

    /// @notice Sends this forwarder's whole balance of each token, then of ETH, to the payout.
    /// A zero balance is skipped; a token whose `balanceOf` or `transfer` fails (or returns
    /// false) is reported with FlushFailed and skipped, so one bad token never blocks the others.
    /// Tokens that return nothing on transfer (USDT) count as success when they do not revert.
    function flush(address[] calldata tokens) external {
        address to = payout();
        for (uint256 i = 0; i < tokens.length; i++) {
            address token = tokens[i];
            (bool ok, bytes memory data) = token.staticcall(abi.encodeCall(IERC20.balanceOf, (address(this))));
            if (!ok || data.length < 32 || token.code.length == 0) {
                emit FlushFailed(token);
                continue;
            }
            uint256 amount = abi.decode(data, (uint256));
            if (amount == 0) continue;
            if (IERC20(token).trySafeTransfer(to, amount)) emit Flushed(token, to, amount);
            else emit FlushFailed(token);
        }
        uint256 value = address(this).balance;
        if (value > 0) {
            (bool sent,) = to.call{value: value}("");
            if (sent) emit Flushed(address(0), to, value);
            else emit FlushFailed(address(0));
        }
    }

    receive() external payable {}
}
